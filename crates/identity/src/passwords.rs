//! Argon2id password hashing. Hashing is deliberately slow, so it runs on the blocking
//! thread pool instead of stalling the async workers that serve other requests.
//!
//! Each hash also takes its memory cost (19 MiB) while it runs, so only as many run at once
//! as there are cores (more would not finish sooner, they would only take more memory) and
//! as fit in an eighth of the memory the process may use (a small container with many cores
//! gets fewer). The rest wait their turn holding nothing but their request. Without the bound, a flood of
//! sign-ins grew the process by 19 MiB per sign-in in flight (300 wrong passwords at 64
//! connections: 44 MiB to 5.5 GiB, never given back).

use crate::IdentityError;
use crate::credentials::Password;
use argon2::password_hash::Error as HashError;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Hashes new passwords and checks offered ones, always at the same cost.
#[derive(Clone)]
pub(crate) struct Passwords {
    params: Params,
    /// A hash with the same cost as real ones, checked when no user matches an email, so
    /// a failed sign-in takes as long for an unknown email as for a wrong password.
    decoy: Arc<str>,
    /// One permit per hash that may run at once.
    running: Arc<Semaphore>,
}

/// How many hashes of `m_cost_kib` may run at once: one per core, and no more than fit in an
/// eighth of `memory` bytes (when it is known); at least one.
fn hashes_at_once(cores: usize, memory: Option<u64>, m_cost_kib: u32) -> usize {
    let per_hash = u64::from(m_cost_kib).max(1) * 1024;
    let by_memory = memory.map(|bytes| usize::try_from(bytes / 8 / per_hash).unwrap_or(usize::MAX));
    by_memory.map_or(cores, |fit| fit.min(cores)).max(1)
}

/// The memory this process may use, in bytes: its cgroup's limit when it has one (a
/// container), else the machine's memory; `None` when neither can be read.
fn memory_limit() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok().and_then(|limit| limit.trim().parse().ok());
    cgroup.or_else(|| {
        let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
        let total = meminfo.lines().find_map(|line| line.strip_prefix("MemTotal:"))?;
        total.trim().trim_end_matches("kB").trim().parse::<u64>().ok().map(|kib| kib * 1024)
    })
}

impl Passwords {
    /// The argon2 crate's defaults: Argon2id, 19 MiB, 2 passes, 1 lane (OWASP's baseline).
    pub(crate) fn secure() -> Self {
        Self::with_params(Params::default())
    }

    /// The cheapest parameters argon2 allows; for tests, where hashing cost is pure waste.
    pub(crate) fn fast() -> Self {
        let params = Params::new(Params::MIN_M_COST, Params::MIN_T_COST, Params::MIN_P_COST, None)
            .expect("argon2's minimum parameters are valid");
        Self::with_params(params)
    }

    fn with_params(params: Params) -> Self {
        // An all-zero salt and output: checking a password against it costs one full hash
        // with these parameters and matches only by a 2^-256 chance.
        let decoy = format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            params.m_cost(),
            params.t_cost(),
            params.p_cost(),
            "A".repeat(22),
            "A".repeat(43)
        );
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let at_once = hashes_at_once(cores, memory_limit(), params.m_cost());
        Self { params, decoy: decoy.into(), running: Arc::new(Semaphore::new(at_once)) }
    }

    fn hasher(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$...`) of `password` with a fresh random salt.
    pub(crate) async fn hash(&self, password: Password) -> Result<String, IdentityError> {
        let hasher = self.hasher();
        self.blocking(move || hasher.hash_password(password.into_inner().as_bytes()).map(|hash| hash.to_string())).await
    }

    /// Whether `password` matches `stored`. With no stored hash (no such user) the decoy is
    /// checked instead and the answer is `false`, after the same amount of work.
    pub(crate) async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, IdentityError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.decoy.to_string());
        let verifier = self.hasher();
        self.blocking(move || {
            // The cost parameters come from the stored hash, so older hashes keep verifying.
            match verifier.verify_password(password.as_bytes(), hash.as_str()) {
                Ok(()) => Ok(known),
                Err(HashError::PasswordInvalid) => Ok(false),
                Err(error) => Err(error),
            }
        })
        .await
    }

    /// Runs `work` on the blocking pool once a permit is free.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, IdentityError> {
        let permit = self.running.clone().acquire_owned().await.expect("the semaphore is never closed");
        tokio::task::spawn_blocking(move || {
            let outcome = work();
            drop(permit);
            outcome
        })
        .await
        .map_err(|error| IdentityError::Hashing(error.to_string()))?
        .map_err(|error| IdentityError::Hashing(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(text).unwrap()
    }

    #[test]
    fn as_many_hashes_run_at_once_as_there_are_cores_and_fit_in_an_eighth_of_memory() {
        const GIB: u64 = 1024 * 1024 * 1024;
        let m_cost = Params::default().m_cost(); // 19 MiB
        assert_eq!(hashes_at_once(2, Some(24 * GIB), m_cost), 2, "a big machine: one per core");
        assert_eq!(hashes_at_once(16, Some(GIB / 2), m_cost), 3, "a 512 MiB container: 64 MiB of hashes");
        assert_eq!(hashes_at_once(8, Some(64 * 1024 * 1024), m_cost), 1, "always at least one");
        assert_eq!(hashes_at_once(4, None, m_cost), 4, "memory unknown: one per core");
        assert!(memory_limit().is_some_and(|bytes| bytes > 0), "this machine's memory can be read");
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_different_one_does_not() {
        let passwords = Passwords::fast();
        let hash = passwords.hash(password("correct horse")).await.unwrap();
        assert!(passwords.verify("correct horse".into(), Some(hash.clone())).await.unwrap());
        assert!(!passwords.verify("battery staple".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_salted_per_password() {
        let passwords = Passwords::fast();
        let first = passwords.hash(password("correct horse")).await.unwrap();
        let second = passwords.hash(password("correct horse")).await.unwrap();
        assert!(first.starts_with("$argon2id$v=19$"));
        assert_ne!(first, second, "a random salt makes equal passwords hash differently");
    }

    #[tokio::test]
    async fn an_unknown_user_is_checked_against_the_decoy_and_never_matches() {
        let passwords = Passwords::fast();
        assert!(!passwords.verify("correct horse".into(), None).await.unwrap());
        assert!(!passwords.verify(String::new(), None).await.unwrap());
    }

    #[tokio::test]
    async fn the_decoy_costs_what_a_real_hash_costs() {
        let secure = Passwords::secure();
        let params = Params::default();
        let expected = format!("$argon2id$v=19$m={},t={},p={}$", params.m_cost(), params.t_cost(), params.p_cost());
        assert!(secure.decoy.starts_with(&expected));
        assert!(!secure.verify("correct horse".into(), None).await.unwrap(), "the decoy parses and never matches");
    }

    #[tokio::test]
    async fn a_hash_made_with_other_parameters_still_verifies() {
        let hash = Passwords::fast().hash(password("correct horse")).await.unwrap();
        assert!(Passwords::secure().verify("correct horse".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_mismatch() {
        let outcome = Passwords::fast().verify("correct horse".into(), Some("not a hash".into())).await;
        assert!(matches!(outcome, Err(IdentityError::Hashing(_))));
    }
}
