//! Password hashing: argon2id with OWASP's parameters, run on the blocking pool so the async
//! runtime keeps serving, and capped so a burst of sign-ins cannot take every core and all memory.

use crate::http::AppError;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use kith_core::ApiError;
use std::sync::Arc;
use tokio::sync::{OnceCell, Semaphore};

/// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// A real hash of nothing in particular, verified against when an email is unknown so that
    /// answering "wrong password" takes as long as for a real account.
    decoy: Arc<OnceCell<String>>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
        .expect("argon2 parameters are constants within range");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Hasher {
    pub fn new(max_concurrent: usize) -> Hasher {
        Hasher {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            decoy: Arc::new(OnceCell::new()),
        }
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for storage.
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let password = password.to_owned();
        self.run(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
        })
        .await
    }

    /// Whether `password` matches the stored PHC string.
    pub async fn verify(&self, password: &str, stored: &str) -> Result<bool, AppError> {
        let (password, stored) = (password.to_owned(), stored.to_owned());
        self.run(
            move || match argon2().verify_password(password.as_bytes(), stored.as_str()) {
                Ok(()) => Ok(true),
                Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
                Err(other) => Err(other),
            },
        )
        .await
    }

    /// Spends the time of one verification without an account, so unknown emails cannot be told
    /// from wrong passwords by timing.
    pub async fn verify_decoy(&self, password: &str) -> Result<(), AppError> {
        let decoy = self
            .decoy
            .get_or_try_init(|| self.hash("kith decoy password"))
            .await?
            .clone();
        self.verify(password, &decoy).await.map(|_| ())
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, argon2::password_hash::Error> + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AppError(ApiError::internal()))?;
        match tokio::task::spawn_blocking(work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => {
                tracing::error!(error = %err, "password hashing failed");
                Err(AppError(ApiError::internal()))
            }
            Err(join) => {
                tracing::error!(error = %join, "password hashing task died");
                Err(AppError(ApiError::internal()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_owasp_parameters_and_verifies() {
        let hasher = Hasher::new(2);
        let hash = hasher.hash("correct horse battery").await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery", &hash)
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("correct horse battery!", &hash)
                .await
                .expect("verify")
        );
        assert_ne!(
            hash,
            hasher.hash("correct horse battery").await.expect("hash"),
            "salted"
        );
    }
}
