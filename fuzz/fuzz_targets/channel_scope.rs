//! The scope object of a channel token request: never panics; whatever it reads
//! narrows a reach to one within it, or is refused naming a scope member.
#![no_main]

use buckle_core::channel_scope::{Node, narrow, parse};
use buckle_core::{BotId, Bots, PermissionSet, Reach, Subject, WorkspaceId, Workspaces};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(node) = serde_json::from_slice::<Option<Node>>(body) else {
        return;
    };
    let scope = match parse(node.as_ref()) {
        Ok(Some(scope)) => scope,
        Ok(None) => return,
        Err(refusal) => {
            assert!(refusal.path.starts_with("scope"), "a refusal names a scope member");
            return;
        }
    };
    let parent = Reach {
        subject: Subject::Service,
        points: PermissionSet::from_names(vec!["Bot.read".into(), "Connector.botChat".into()]),
        workspaces: Workspaces::List(vec![WorkspaceId(1), WorkspaceId(2)]),
        organization: None,
        bots: Bots::List(vec![BotId(1), BotId(2)]),
    };
    match narrow(&parent, &scope) {
        Ok(narrowed) => assert!(narrowed.is_within(&parent), "never wider than the parent"),
        Err(refusal) => assert!(refusal.path.starts_with("scope."), "names the entry"),
    }
});
