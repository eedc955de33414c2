use super::word;

word! {
    /// Whether an OAuth app serves the platform's own OpenAPI (`normal`) or a
    /// publish channel (`channel`), whose tokens reach only its channel's bots.
    AppType, "app type" {
        Normal = "normal",
        Channel = "channel",
    }
}
