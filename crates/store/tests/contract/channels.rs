//! Channels: the owner's limit, one app per channel and one channel per app,
//! publications, the token check's question (published now, to a channel still
//! bound to the token's app), a channel token stored with its bots, and the
//! cascades (a deleted bot, channel or app).

use crate::fixtures::{self, LATER, NOW};
use crate::kit::{TestDb, on_both_engines};
use buckle_core::ids::new_id;
use buckle_core::{
    AccountId, AppType, BotId, ChannelId, ClientType, GrantKind, GrantOwner, OrgId, TokenKind,
};
use buckle_store::{Bot, Channel, JtiRedeemed, NewOAuthToken, Store, StoreError, TokenBots};

on_both_engines!(
    channels_are_counted_per_owner,
    an_app_serves_one_channel,
    publications_and_the_token_check,
    channel_tokens_keep_their_bots,
);

fn new_channel(owner: AccountId, org: Option<&OrgId>) -> Channel {
    Channel {
        id: ChannelId::random(),
        name: "partner".into(),
        owner_account_id: org.is_none().then_some(owner),
        org_id: org.cloned(),
        app_id: None,
        created_by: owner,
        created_at: NOW,
        updated_at: NOW,
    }
}

async fn bot(s: &Store, person: AccountId) -> BotId {
    let ws = s.workspaces_of(person, None).await.unwrap()[0].id;
    let b = Bot {
        id: BotId::random(),
        workspace_id: ws,
        name: "bot".into(),
        description: String::new(),
        created_by: person,
        created_at: NOW,
        updated_at: NOW,
    };
    s.create_bot(&b).await.unwrap();
    b.id
}

async fn channel_app(s: &Store, person: AccountId) -> buckle_store::OAuthApp {
    let mut a = fixtures::new_app(person, None, ClientType::Service);
    a.app_type = AppType::Channel;
    a.redirect_uris = String::new();
    assert!(s.create_app(&a, 1000).await.unwrap());
    a
}

async fn channels_are_counted_per_owner(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    let org = fixtures::organization(s, person).await;
    // Concurrent creations cannot pass the limit.
    let attempts = (0..6).map(|_| {
        let s = s.clone();
        let c = new_channel(person, None);
        tokio::spawn(async move { s.create_channel(&c, 3).await.unwrap() })
    });
    let mut made = 0;
    for a in attempts {
        made += usize::from(a.await.unwrap());
    }
    assert_eq!(made, 3);
    assert!(
        s.create_channel(&new_channel(person, Some(&org)), 3)
            .await
            .unwrap()
    );
    assert_eq!(s.channels_of(person, None).await.unwrap().len(), 3);
    let team = s.channels_of(person, Some(&org)).await.unwrap();
    assert_eq!(team.len(), 1);
    assert!(
        s.rename_channel(team[0].id, "renamed", NOW + 1)
            .await
            .unwrap()
    );
    let got = s.channel(team[0].id).await.unwrap().unwrap();
    assert_eq!((got.name.as_str(), got.updated_at), ("renamed", NOW + 1));
    assert!(s.delete_channel(team[0].id).await.unwrap());
    assert!(!s.delete_channel(team[0].id).await.unwrap());
    assert!(s.channel(team[0].id).await.unwrap().is_none());
    assert!(matches!(
        s.rename_channel(ChannelId::random(), "a\0b", NOW).await,
        Err(StoreError::InvalidInput)
    ));
}

async fn an_app_serves_one_channel(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    let app = channel_app(s, person).await;
    let (one, two) = (new_channel(person, None), new_channel(person, None));
    assert!(s.create_channel(&one, 10).await.unwrap());
    assert!(s.create_channel(&two, 10).await.unwrap());
    assert!(s.set_channel_app(one.id, Some(app.id), NOW).await.unwrap());
    // Binding the same app again to the same channel changes nothing.
    assert!(s.set_channel_app(one.id, Some(app.id), NOW).await.unwrap());
    assert!(matches!(
        s.set_channel_app(two.id, Some(app.id), NOW).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        s.channel_of_app(app.id).await.unwrap().map(|c| c.id),
        Some(one.id)
    );
    assert!(
        !s.set_channel_app(ChannelId::random(), Some(app.id), NOW)
            .await
            .unwrap()
    );
    // Deleting the app unbinds it and keeps the channel.
    assert!(s.delete_app(app.id).await.unwrap());
    let kept = s.channel(one.id).await.unwrap().unwrap();
    assert_eq!(kept.app_id, None);
}

async fn publications_and_the_token_check(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    let app = channel_app(s, person).await;
    let other_app = channel_app(s, person).await;
    let ch = new_channel(person, None);
    assert!(s.create_channel(&ch, 10).await.unwrap());
    assert!(s.set_channel_app(ch.id, Some(app.id), NOW).await.unwrap());
    let (b1, b2) = (bot(s, person).await, bot(s, person).await);
    assert!(s.publish_bot(ch.id, b1, person, NOW).await.unwrap());
    assert!(!s.publish_bot(ch.id, b1, person, NOW).await.unwrap());
    assert!(s.publish_bot(ch.id, b2, person, NOW + 1).await.unwrap());
    let listed: Vec<BotId> = s
        .publications(ch.id)
        .await
        .unwrap()
        .iter()
        .map(|p| p.bot_id)
        .collect();
    assert_eq!(listed, vec![b1, b2]);
    assert!(s.is_published(ch.id, app.id, b1).await.unwrap());
    // Only for the app bound to the channel now.
    assert!(!s.is_published(ch.id, other_app.id, b1).await.unwrap());
    assert!(s.unpublish_bot(ch.id, b1).await.unwrap());
    assert!(!s.unpublish_bot(ch.id, b1).await.unwrap());
    assert!(!s.is_published(ch.id, app.id, b1).await.unwrap());
    assert!(s.set_channel_app(ch.id, None, NOW).await.unwrap());
    assert!(!s.is_published(ch.id, app.id, b2).await.unwrap());
    // A bot that does not exist cannot be published.
    assert!(
        s.publish_bot(ch.id, BotId::random(), person, NOW)
            .await
            .is_err()
    );
    // Deleting the channel takes its publications.
    assert!(s.delete_channel(ch.id).await.unwrap());
    assert!(s.publications(ch.id).await.unwrap().is_empty());
}

async fn channel_tokens_keep_their_bots(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    let app = channel_app(s, person).await;
    let grant = fixtures::grant(
        s,
        &app,
        GrantKind::AppAuth,
        GrantOwner::Account(person),
        None,
    )
    .await;
    let ch = new_channel(person, None);
    assert!(s.create_channel(&ch, 10).await.unwrap());
    let (b1, b2) = (bot(s, person).await, bot(s, person).await);
    let token = |hash: String| NewOAuthToken {
        id: new_id(),
        token_hash: hash,
        kind: TokenKind::AppOauth,
        app_id: app.id,
        grant_id: grant.id,
        account_id: Some(person),
        org_id: None,
        permissions: "Bot.read".into(),
        all_workspaces: true,
        workspace_ids: Vec::new(),
        session_name: None,
        device_id: None,
        custom_consumer: None,
        family_id: None,
        created_at: NOW,
        expires_at: LATER,
    };
    let limited = token(fixtures::digest());
    let bots = TokenBots {
        channel_id: ch.id,
        bot_ids: vec![b1, b2],
    };
    assert_eq!(
        s.redeem_jti("j1", LATER, &limited, Some(&bots))
            .await
            .unwrap(),
        JtiRedeemed::Issued
    );
    let read = s
        .oauth_token_by_hash(&limited.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.bots, Some(bots.clone()));
    assert_eq!(s.token_bots(limited.id).await.unwrap(), Some(bots));
    // A token stored the ordinary way has no bots limit.
    let plain = token(fixtures::digest());
    s.insert_oauth_token(&plain).await.unwrap();
    let read = s
        .oauth_token_by_hash(&plain.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.bots, None);
    // All or nothing: a token whose id is taken stores no bots row either.
    let clash = NewOAuthToken {
        id: limited.id,
        ..token(fixtures::digest())
    };
    let other_bots = TokenBots {
        channel_id: ChannelId::random(),
        bot_ids: vec![b1],
    };
    assert!(
        s.redeem_jti("j2", LATER, &clash, Some(&other_bots))
            .await
            .is_err()
    );
    assert!(
        s.oauth_token_by_hash(&clash.token_hash)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        s.token_bots(limited.id)
            .await
            .unwrap()
            .map(|b| b.channel_id),
        Some(ch.id)
    );
    // ... nor uses up its JWT id: the same JWT redeems once the clash is gone.
    let retried = TokenBots {
        channel_id: ch.id,
        bot_ids: vec![b1],
    };
    assert_eq!(
        s.redeem_jti("j2", LATER, &token(fixtures::digest()), Some(&retried))
            .await
            .unwrap(),
        JtiRedeemed::Issued
    );
    // The bots row goes with its token.
    assert!(s.delete_app(app.id).await.unwrap());
    assert_eq!(s.token_bots(limited.id).await.unwrap(), None);
}
