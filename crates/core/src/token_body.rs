//! The token endpoint's request body: JSON, or form-encoded per RFC 6749 §4.1.3.
//! Pure parsing, so the fuzz target and property tests reach it without a server.

use serde::Deserialize;

/// Every parameter any grant reads. Unknown fields are ignored (the SDKs send
/// extras); a repeated field is an error. No `Debug`: it carries codes and
/// refresh tokens, which must never reach a log line.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "utoipa",
    schema(
        description = "The token request's fields, as JSON or a form. The client secret (web apps) or the JWT (service apps) goes in `Authorization: Bearer`, never in the body."
    )
)]
pub struct TokenRequest {
    // Required by every grant: a missing one is `invalid_request`, not a parse error.
    #[cfg_attr(
        feature = "utoipa",
        schema(required = true, schema_with = schema::grant_type)
    )]
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub device_code: Option<String>,
    /// The jwt-bearer grant's token lifetime in seconds.
    #[cfg_attr(
        feature = "utoipa",
        schema(value_type = Option<i64>, minimum = 1, maximum = 86399, default = 900)
    )]
    pub duration_seconds: Option<serde_json::Value>,
    /// The jwt-bearer grant's scope object (channel apps only; see
    /// [`crate::channel_scope`]); members are kept as written so that reader can
    /// refuse one given twice.
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<Object>))]
    pub scope: Option<crate::channel_scope::Node>,
    /// Read only to refuse it: the secret travels in `Authorization`, so the
    /// document does not offer it.
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub client_secret: Option<serde_json::Value>,
}

/// The device authorization request: what the device code endpoint reads of a
/// [`TokenRequest`] (parsed by the same rules), the device app's client id.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "utoipa",
    schema(description = "The device authorization request: the device app's client id.")
)]
pub struct DeviceCodeRequest {
    // Required: a missing one is `invalid_request`, not a parse error.
    #[cfg_attr(feature = "utoipa", schema(required = true, value_type = String))]
    pub client_id: Option<String>,
}

impl From<TokenRequest> for DeviceCodeRequest {
    fn from(req: TokenRequest) -> DeviceCodeRequest {
        DeviceCodeRequest {
            client_id: req.client_id,
        }
    }
}

#[cfg(feature = "utoipa")]
mod schema {
    /// The grant types the token endpoint answers.
    pub fn grant_type() -> utoipa::openapi::Object {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some([
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
                "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ]))
            .build()
    }
}

/// Why a body was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Not JSON (or not a form), a field of the wrong type, or a field twice.
    Unreadable,
    /// The secret travels only in the `Authorization` header.
    SecretInBody,
}

/// Whether a `Content-Type` names a form-encoded body; anything else is read as JSON.
pub fn is_form(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Parses a body; an empty (or all-whitespace) one has no fields.
pub fn parse(form: bool, body: &[u8]) -> Result<TokenRequest, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(TokenRequest::default());
    }
    let req: TokenRequest = if form {
        serde_urlencoded::from_bytes(body).map_err(|_| BodyError::Unreadable)?
    } else {
        serde_json::from_slice(body).map_err(|_| BodyError::Unreadable)?
    };
    if req.client_secret.is_some() {
        return Err(BodyError::SecretInBody);
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STRING_FIELDS: [&str; 7] = [
        "grant_type",
        "client_id",
        "code",
        "redirect_uri",
        "code_verifier",
        "refresh_token",
        "device_code",
    ];

    fn fields(r: &TokenRequest) -> Vec<Option<String>> {
        vec![
            r.grant_type.clone(),
            r.client_id.clone(),
            r.code.clone(),
            r.redirect_uri.clone(),
            r.code_verifier.clone(),
            r.refresh_token.clone(),
            r.device_code.clone(),
        ]
    }

    /// Some of the known string fields, each with any value, plus unknown extras.
    fn bodies() -> impl Strategy<Value = (Vec<Option<String>>, Vec<(String, String)>)> {
        (
            proptest::collection::vec(proptest::option::of(any::<String>()), 7),
            proptest::collection::vec(("[a-z_]{1,12}", any::<String>()), 0..4),
        )
            .prop_map(|(known, extra)| {
                let extra = extra
                    .into_iter()
                    .filter(|(k, _)| {
                        !STRING_FIELDS.contains(&k.as_str())
                            && k != "client_secret"
                            && k != "duration_seconds"
                    })
                    .collect::<std::collections::BTreeMap<_, _>>()
                    .into_iter()
                    .collect();
                (known, extra)
            })
    }

    fn pairs(known: &[Option<String>], extra: &[(String, String)]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = STRING_FIELDS
            .iter()
            .zip(known)
            .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
            .collect();
        out.extend(extra.iter().cloned());
        out
    }

    proptest! {
        #[test]
        fn never_panics_on_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..256), form in any::<bool>()) {
            let _ = parse(form, &body);
        }

        /// JSON and form encodings of the same fields read the same; unknown fields are ignored.
        #[test]
        fn json_and_form_read_the_same_fields((known, extra) in bodies()) {
            let pairs = pairs(&known, &extra);
            let json = serde_json::Value::Object(
                pairs.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect(),
            );
            let from_json = parse(false, &serde_json::to_vec(&json).unwrap());
            let from_form = parse(true, serde_urlencoded::to_string(&pairs).unwrap().as_bytes());
            let (Ok(a), Ok(b)) = (from_json, from_form) else {
                return Err(TestCaseError::fail("a well-formed body is read"));
            };
            prop_assert_eq!(fields(&a), known.clone());
            prop_assert_eq!(fields(&b), known);
        }

        /// A field given twice is refused, whichever it is and whatever the values.
        #[test]
        fn a_repeated_field_is_refused(i in 0..STRING_FIELDS.len(), a in any::<String>(), b in any::<String>()) {
            let k = STRING_FIELDS[i];
            let form = serde_urlencoded::to_string([(k, &a), (k, &b)]).unwrap();
            prop_assert_eq!(parse(true, form.as_bytes()).err(), Some(BodyError::Unreadable));
            let json = format!("{{{}:{},{}:{}}}",
                serde_json::to_string(k).unwrap(), serde_json::to_string(&a).unwrap(),
                serde_json::to_string(k).unwrap(), serde_json::to_string(&b).unwrap());
            prop_assert_eq!(parse(false, json.as_bytes()).err(), Some(BodyError::Unreadable));
        }

        /// A client secret in the body is refused in either encoding, whatever its value.
        #[test]
        fn a_secret_in_the_body_is_refused((known, extra) in bodies(), secret in any::<String>()) {
            let mut pairs = pairs(&known, &extra);
            pairs.push(("client_secret".into(), secret.clone()));
            let form = serde_urlencoded::to_string(&pairs).unwrap();
            prop_assert_eq!(parse(true, form.as_bytes()).err(), Some(BodyError::SecretInBody));
            let mut json = serde_json::Map::new();
            for (k, v) in pairs {
                json.insert(k, serde_json::Value::String(v));
            }
            let body = serde_json::to_vec(&json).unwrap();
            prop_assert_eq!(parse(false, &body).err(), Some(BodyError::SecretInBody));
        }
    }

    #[test]
    fn content_types() {
        assert!(is_form(Some("application/x-www-form-urlencoded")));
        assert!(is_form(Some(
            "application/x-www-form-urlencoded; charset=utf-8"
        )));
        assert!(!is_form(Some("application/json")));
        assert!(!is_form(None));
    }

    #[test]
    fn empty_and_wrongly_typed_bodies() {
        assert!(parse(false, b"  \n").unwrap().grant_type.is_none());
        assert!(parse(true, b"").unwrap().grant_type.is_none());
        assert_eq!(
            parse(false, br#"{"grant_type": 5}"#).err(),
            Some(BodyError::Unreadable)
        );
        assert_eq!(parse(false, b"[]").err(), Some(BodyError::Unreadable));
        let r = parse(true, b"duration_seconds=60&grant_type=x&extra=1").unwrap();
        assert_eq!(r.duration_seconds, Some(serde_json::json!("60")));
        assert_eq!(r.grant_type.as_deref(), Some("x"));
    }
}
