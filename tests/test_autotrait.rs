//! Every public type is `Send + Sync`: services share inquiries across threads.

use inquiry_lifecycle::*;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn every_public_type_is_send_and_sync() {
    assert_send_sync::<Action>();
    assert_send_sync::<Attempt>();
    assert_send_sync::<Error>();
    assert_send_sync::<ErrorCode>();
    assert_send_sync::<Event>();
    assert_send_sync::<EventId>();
    assert_send_sync::<EventName>();
    assert_send_sync::<Events>();
    assert_send_sync::<Granted>();
    assert_send_sync::<Inquiry>();
    assert_send_sync::<InquiryId>();
    assert_send_sync::<Interval>();
    assert_send_sync::<Intervals>();
    assert_send_sync::<InvalidInput>();
    assert_send_sync::<Opened>();
    assert_send_sync::<Outcome>();
    assert_send_sync::<Phase>();
    assert_send_sync::<Policy>();
    assert_send_sync::<PolicyBuilder>();
    assert_send_sync::<RandomUnavailable>();
    assert_send_sync::<SecureRandom>();
    assert_send_sync::<SeededRandom>();
    assert_send_sync::<Session>();
    assert_send_sync::<SessionId>();
    assert_send_sync::<SessionStatus>();
    assert_send_sync::<SessionToken>();
    assert_send_sync::<Status>();
    assert_send_sync::<TokenDigest>();
    assert_send_sync::<Span>();
    assert_send_sync::<rules::TransitionRule>();
    assert_send_sync::<rules::Verdict>();
    assert_send_sync::<rules::Target>();
}
