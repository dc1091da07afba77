//! Password hashing with argon2 (PHC strings), for browser sign-in.

use crate::error::{AppError, AppResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use salesos_model::error::ErrorCode;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted (hashing cost stays bounded).
pub const MAX_LENGTH: usize = 200;

/// Hashes a password into a PHC string with a random salt.
pub fn hash(password: &str) -> AppResult<String> {
    let length = password.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(AppError::invalid(format!("a password has {MIN_LENGTH} to {MAX_LENGTH} characters")).with_field("password"));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|err| AppError::new(ErrorCode::Internal, format!("no randomness: {err}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|err| AppError::new(ErrorCode::Internal, err.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|err| AppError::new(ErrorCode::Internal, format!("password hashing failed: {err}")))
}

/// Checks a password against a PHC string; a malformed hash never verifies.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("wrong horse battery", &phc));
        assert!(!verify("correct horse battery", "not a hash"));
        assert!(hash("short").is_err());
    }
}
