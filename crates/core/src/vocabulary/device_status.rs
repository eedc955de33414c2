use super::word;

word! {
    /// Where a device authorization (RFC 8628) stands.
    ///
    /// ```text
    ///              person approves            device polls
    ///   Pending ─────────────────────▶ Approved ─────────────▶ (used: tokens issued once)
    ///      │
    ///      │ person denies
    ///      ▼
    ///   Denied
    ///
    ///   Any state past `expires_at` answers `expired_token` to the device.
    /// ```
    ///
    /// Only `Pending` may be decided, once; a decided code never changes again.
    DeviceStatus, "device status" {
        Pending = "pending",
        Approved = "approved",
        Denied = "denied",
    }
}

/// Deciding a code that was already decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the device code was already {0}")]
pub struct NotPending(pub DeviceStatus);

impl DeviceStatus {
    /// The one transition a person makes: approve or deny a pending code.
    pub fn decide(self, approve: bool) -> Result<DeviceStatus, NotPending> {
        match self {
            DeviceStatus::Pending if approve => Ok(DeviceStatus::Approved),
            DeviceStatus::Pending => Ok(DeviceStatus::Denied),
            decided => Err(NotPending(decided)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pending_codes_are_decided_and_only_once() {
        assert_eq!(
            DeviceStatus::Pending.decide(true),
            Ok(DeviceStatus::Approved)
        );
        assert_eq!(
            DeviceStatus::Pending.decide(false),
            Ok(DeviceStatus::Denied)
        );
        for decided in [DeviceStatus::Approved, DeviceStatus::Denied] {
            for approve in [true, false] {
                assert_eq!(decided.decide(approve), Err(NotPending(decided)));
            }
        }
    }
}
