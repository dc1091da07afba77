//! API keys: random secrets shown once, stored only as SHA-256.

use crate::error::{AppError, AppResult};
use salesos_model::error::ErrorCode;
use sha2::{Digest, Sha256};

/// Makes a new random secret with a prefix, e.g. `sk_` and 48 hex characters.
pub fn new_secret(prefix: &str) -> AppResult<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|err| AppError::new(ErrorCode::Internal, format!("no randomness: {err}")))?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// Returns the SHA-256 of a secret in lower-case hex, as stored.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Encodes bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        let a = new_secret("sk_").unwrap();
        let b = new_secret("sk_").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 51);
        assert_eq!(hash_secret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
