//! What the CLI's test files share.

/// A three-step story that passes: create, start under the label `a`, access with it.
pub const STORY: &str = r#"{
  "name": "story",
  "steps": [
    { "at": "0s", "do": "create" },
    { "at": "1m", "do": "start", "token": "a" },
    { "at": "2m", "do": "access", "token": "a", "expect": { "status": "pending" } }
  ]
}"#;
