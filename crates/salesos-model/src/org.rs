//! Organizations (tenants) and their settings, including the subscription tier and its limits.

use crate::ids::OrgId;
use serde::{Deserialize, Serialize};

/// The subscription tier; it sets the bulk-API rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// The entry tier.
    Starter,
    /// The middle tier.
    Professional,
    /// The top tier.
    Enterprise,
}

impl Tier {
    /// Returns the tier's stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Starter => "starter",
            Tier::Professional => "professional",
            Tier::Enterprise => "enterprise",
        }
    }

    /// Parses a stable tier name.
    pub fn parse(text: &str) -> Option<Tier> {
        match text.trim().to_ascii_lowercase().as_str() {
            "starter" => Some(Tier::Starter),
            "professional" => Some(Tier::Professional),
            "enterprise" => Some(Tier::Enterprise),
            _ => None,
        }
    }

    /// Returns the bulk-API limits of the tier, from the spec's rate-limit table.
    pub fn bulk_limits(self) -> BulkLimits {
        match self {
            Tier::Starter => BulkLimits { records_per_request: 1_000, requests_per_minute: 10 },
            Tier::Professional => BulkLimits { records_per_request: 5_000, requests_per_minute: 30 },
            Tier::Enterprise => BulkLimits { records_per_request: 10_000, requests_per_minute: 60 },
        }
    }
}

/// Per-tier limits of the bulk import API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    /// Records accepted in one request.
    pub records_per_request: u32,
    /// Requests accepted per minute.
    pub requests_per_minute: u32,
}

/// Settings of an organization that shape parsing and display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSettings {
    /// Subscription tier.
    pub tier: Tier,
    /// BCP 47 locale, e.g. `en-US` or `de-DE`; suggests the date order and number format.
    pub locale: String,
    /// IANA time zone, e.g. `Europe/Berlin`; schedules and date-times are shown in it.
    pub time_zone: String,
    /// ISO 3166 alpha-2 country used for phone numbers written without a country code.
    pub default_phone_country: String,
    /// ISO 4217 currency used for amounts written without a currency.
    pub default_currency: String,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            tier: Tier::Professional,
            locale: "en-US".into(),
            time_zone: "UTC".into(),
            default_phone_country: "US".into(),
            default_currency: "USD".into(),
        }
    }
}

/// An organization: a tenant whose data is isolated from every other.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    /// Its id.
    pub id: OrgId,
    /// Unique short name, used by `--org`.
    pub name: String,
    /// Its settings.
    pub settings: OrgSettings,
    /// Creation time, milliseconds since the Unix epoch (UTC).
    pub created_at: i64,
}

/// Returns the telephone country calling code for an ISO country, for the common countries.
///
/// Full libphonenumber parsing arrives with the import transforms; match keys only need the
/// calling code to turn a national number that lost its `+` into E.164.
pub fn calling_code(country: &str) -> Option<&'static str> {
    // Country codes are two or three ASCII letters: upper-cased on the stack.
    let mut buffer = [0u8; 3];
    let upper = match country.as_bytes() {
        bytes if bytes.len() <= buffer.len() => {
            for (slot, byte) in buffer.iter_mut().zip(bytes) {
                *slot = byte.to_ascii_uppercase();
            }
            std::str::from_utf8(&buffer[..bytes.len()]).ok()?
        }
        _ => return None,
    };
    let code = match upper {
        "US" | "CA" => "1",
        "GB" | "UK" => "44",
        "DE" => "49",
        "FR" => "33",
        "ES" => "34",
        "IT" => "39",
        "NL" => "31",
        "BE" => "32",
        "CH" => "41",
        "AT" => "43",
        "SE" => "46",
        "NO" => "47",
        "DK" => "45",
        "FI" => "358",
        "PL" => "48",
        "PT" => "351",
        "IE" => "353",
        "GR" => "30",
        "JP" => "81",
        "CN" => "86",
        "IN" => "91",
        "AU" => "61",
        "NZ" => "64",
        "BR" => "55",
        "MX" => "52",
        "ZA" => "27",
        "SG" => "65",
        _ => return None,
    };
    Some(code)
}
