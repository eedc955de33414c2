use super::word;

word! {
    /// The OAuth client types of the Coze developer platform; each has exactly
    /// one grant flow (see `grants`).
    ClientType, "client type" {
        /// A web backend with a client secret: authorization code + refresh.
        Web = "web",
        /// A public client (SPA, mobile): authorization code with PKCE + refresh.
        Pkce = "pkce",
        /// A device without a browser: RFC 8628 device authorization + refresh.
        Device = "device",
        /// A service signing JWTs with its private key: RFC 7523 JWT bearer.
        Service = "service",
    }
}

impl ClientType {
    /// Whether the app authenticates with a client secret it was given.
    pub fn has_secret(self) -> bool {
        self == ClientType::Web
    }

    /// Whether the app authenticates with uploaded public keys.
    pub fn has_keys(self) -> bool {
        self == ClientType::Service
    }

    /// Whether the app sends people through redirect URIs.
    pub fn uses_redirects(self) -> bool {
        matches!(self, ClientType::Web | ClientType::Pkce)
    }

    /// Whether its tokens act for a person (OBO) rather than as the app itself.
    pub fn acts_for_a_person(self) -> bool {
        self != ClientType::Service
    }
}
