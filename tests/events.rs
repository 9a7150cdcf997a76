//! `Events`, the `#[must_use]` list a call yields, behaves as the `Vec<Event>` it wraps.

mod common;

use common::*;
use inquiry_lifecycle::*;

fn started() -> Events {
    let (mut inquiry, mut random) = created();
    inquiry.start(min(1), &mut random).unwrap().events
}

#[test]
fn events_read_as_a_slice_a_vec_and_by_reference() {
    let events = started();
    let names = [EventName::InquiryStarted, EventName::SessionCreated];
    assert_eq!(events.len(), 2);
    assert_eq!(names_of(events.as_slice()), names);
    assert_eq!(names_of(events.as_ref()), names);
    assert_eq!(names_of(&events), names); // Deref
    let by_reference: Vec<EventName> = (&events).into_iter().map(|e| e.name).collect();
    assert_eq!(by_reference, names);
    let vec: Vec<Event> = events.clone().into();
    assert_eq!(names_of(&vec), names);
    assert_eq!(events.clone().into_vec(), vec);
    let by_value: Vec<Event> = events.clone().into_iter().collect();
    assert_eq!(by_value, vec);
}

#[test]
fn events_compare_with_slices_and_vecs_of_events() {
    let events = started();
    let vec = events.clone().into_vec();
    assert!(events == vec);
    assert!(events == *vec.as_slice());
    let fewer = vec[..1].to_vec();
    assert!(events != fewer);
    assert!(events != *fewer.as_slice());
    let wrapped = Events::from(fewer.clone());
    assert!(wrapped == fewer);
    assert!(Events::default() == *Vec::<Event>::new().as_slice());
}

fn names_of(events: &[Event]) -> Vec<EventName> {
    events.iter().map(|e| e.name).collect()
}
