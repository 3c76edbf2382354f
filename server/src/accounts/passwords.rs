//! Password hashes: argon2id PHC strings, with the crate's default cost
//! (19 MiB, 2 passes).

use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use super::AccountError;
use protocol::{MAX_PASSWORD_BYTES, MIN_PASSWORD_BYTES};

pub fn validate_password(p: &str) -> Result<(), AccountError> {
    if p.len() < MIN_PASSWORD_BYTES {
        return Err(AccountError::Invalid(
            "password is shorter than 8 characters",
        ));
    }
    if p.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::Invalid("password is longer than 1024 bytes"));
    }
    Ok(())
}

pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> Result<bool, AccountError> {
    let parsed = PasswordHash::new(hash).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// How long one verification takes on this machine (the fastest of three):
/// a sign-in for a name that has no account waits this long instead of
/// hashing, so that it costs no CPU and holds no hashing slot, yet answers
/// about as fast as a wrong password.
pub fn measure_verify_time() -> Result<Duration, AccountError> {
    let hash = hash_password("a password to time")?;
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        verify_password("another password", &hash)?;
        best = best.min(start.elapsed());
    }
    Ok(best)
}
