//! Encryption at rest of sensitive field values, webhook secrets and two-factor secrets:
//! AES-256-GCM, a fresh random nonce per value, and the place's ids (workspace and field, or
//! webhook, or the nil workspace and an account) as associated data, so a stored value cannot be
//! moved elsewhere and still decrypt.
//!
//! Values are sealed with the current key of a [`KeyRing`] and opened with it or any earlier key,
//! so that `kith admin rotate-key` can re-seal them one by one while everything keeps working.
//! A cipher read from a key file reads it again when it changes.

use crate::StoreError;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;
use uuid::Uuid;

/// The first byte of every stored value: the format, so keys or algorithms can change later.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
/// How often a watched key file is looked at (its modification time), at most.
const KEY_FILE_CHECK_MS: i64 = 2000;

/// 32 bytes, written as base64 (44 characters) or hex (64).
pub fn parse_key(text: &str) -> Result<[u8; 32], &'static str> {
    use base64::Engine as _;
    let text = text.trim();
    let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        (0..32)
            .filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
            .collect::<Vec<u8>>()
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_default()
    };
    bytes.try_into().map_err(|_| {
        "must be 32 bytes written as base64 (44 characters) or hex (64 characters); `openssl rand -base64 32` makes one"
    })
}

/// The key that seals, and the earlier keys that still open what they sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyRing {
    pub current: [u8; 32],
    pub previous: Vec<[u8; 32]>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRing(current, {} previous)", self.previous.len())
    }
}

impl KeyRing {
    pub fn single(key: [u8; 32]) -> KeyRing {
        KeyRing {
            current: key,
            previous: Vec::new(),
        }
    }

    /// A fresh random key.
    pub fn new_key() -> Result<[u8; 32], StoreError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| StoreError::Crypto(format!("no random key: {e}")))?;
        Ok(key)
    }

    /// A key file's text: the current key on its first line, earlier keys on the lines after.
    pub fn parse_file(text: &str) -> Result<KeyRing, String> {
        let mut keys = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(number, line)| {
                parse_key(line).map_err(|message| format!("line {}: {message}", number + 1))
            });
        let current = keys.next().ok_or("holds no key")??;
        let previous = keys.collect::<Result<Vec<_>, _>>()?;
        Ok(KeyRing { current, previous })
    }

    /// The key file's text for this ring.
    pub fn to_file(&self) -> String {
        use base64::Engine as _;
        std::iter::once(&self.current)
            .chain(&self.previous)
            .map(|key| {
                format!(
                    "{}\n",
                    base64::engine::general_purpose::STANDARD.encode(key)
                )
            })
            .collect()
    }

    /// This ring with `key` as the current key and the current one kept among the previous.
    pub fn rotated_to(&self, key: [u8; 32]) -> KeyRing {
        let mut previous = vec![self.current];
        previous.extend(
            self.previous
                .iter()
                .filter(|k| **k != key && **k != self.current),
        );
        KeyRing {
            current: key,
            previous,
        }
    }
}

struct Keys {
    current: Aes256Gcm,
    previous: Vec<Aes256Gcm>,
}

impl Keys {
    fn of(ring: &KeyRing) -> Keys {
        Keys {
            current: Aes256Gcm::new((&ring.current).into()),
            previous: ring
                .previous
                .iter()
                .map(|key| Aes256Gcm::new(key.into()))
                .collect(),
        }
    }
}

/// A key file read again once its modification time changes.
struct KeyFile {
    path: PathBuf,
    modified: Mutex<Option<SystemTime>>,
    next_check_ms: AtomicI64,
}

struct Inner {
    keys: RwLock<Keys>,
    file: Option<KeyFile>,
}

#[derive(Clone)]
pub struct Cipher {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(…)")
    }
}

fn associated_data(workspace_id: Uuid, field_id: Uuid) -> [u8; 32] {
    let mut data = [0u8; 32];
    data[..16].copy_from_slice(workspace_id.as_bytes());
    data[16..].copy_from_slice(field_id.as_bytes());
    data
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Cipher {
    pub fn new(key: &[u8; 32]) -> Cipher {
        Cipher::with_keys(&KeyRing::single(*key), None)
    }

    /// A cipher of `ring`; with `file`, the key file it came from, read again when it changes
    /// (looked at no more than every two seconds), so a running server follows a rotation.
    pub fn with_keys(ring: &KeyRing, file: Option<&Path>) -> Cipher {
        Cipher {
            inner: Arc::new(Inner {
                keys: RwLock::new(Keys::of(ring)),
                file: file.map(|path| KeyFile {
                    path: path.to_owned(),
                    modified: Mutex::new(modified(path)),
                    next_check_ms: AtomicI64::new(crate::now_millis() + KEY_FILE_CHECK_MS),
                }),
            }),
        }
    }

    /// The keys, read again from the key file first if it changed.
    fn keys(&self) -> Result<std::sync::RwLockReadGuard<'_, Keys>, StoreError> {
        if let Some(file) = &self.inner.file {
            self.follow(file);
        }
        self.inner.keys.read().map_err(|_| StoreError::Poisoned)
    }

    fn follow(&self, file: &KeyFile) {
        let now = crate::now_millis();
        let due = file.next_check_ms.load(Ordering::Relaxed);
        if now < due
            || file
                .next_check_ms
                .compare_exchange(
                    due,
                    now + KEY_FILE_CHECK_MS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        let Ok(mut seen) = file.modified.lock() else {
            return;
        };
        let now_modified = modified(&file.path);
        if now_modified == *seen {
            return;
        }
        match std::fs::read_to_string(&file.path)
            .map_err(|e| e.to_string())
            .and_then(|text| KeyRing::parse_file(&text))
        {
            Ok(ring) => {
                if let Ok(mut keys) = self.inner.keys.write() {
                    *keys = Keys::of(&ring);
                    *seen = now_modified;
                    tracing::info!(path = %file.path.display(), previous = ring.previous.len(), "the key file changed: sealing with its first key");
                }
            }
            Err(message) => {
                tracing::warn!(path = %file.path.display(), error = %message, "the key file changed but cannot be read; keeping the keys it had");
            }
        }
    }

    pub fn encrypt(
        &self,
        workspace_id: Uuid,
        field_id: Uuid,
        plaintext: &str,
    ) -> Result<Vec<u8>, StoreError> {
        self.encrypt_bytes(workspace_id, field_id, plaintext.as_bytes())
    }

    pub fn decrypt(
        &self,
        workspace_id: Uuid,
        field_id: Uuid,
        stored: &[u8],
    ) -> Result<String, StoreError> {
        let plain = self.decrypt_bytes(workspace_id, field_id, stored)?;
        String::from_utf8(plain).map_err(|_| unreadable())
    }

    /// Seals `plaintext` to its place: `workspace_id` and `owner_id` (a field, a webhook, or an
    /// account's secret under the nil workspace).
    pub fn encrypt_bytes(
        &self,
        workspace_id: Uuid,
        owner_id: Uuid,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce)
            .map_err(|e| StoreError::Crypto(format!("no random nonce: {e}")))?;
        let aad = associated_data(workspace_id, owner_id);
        let sealed = self
            .keys()?
            .current
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
        let mut stored = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        stored.push(VERSION);
        stored.extend_from_slice(&nonce);
        stored.extend_from_slice(&sealed);
        Ok(stored)
    }

    pub fn decrypt_bytes(
        &self,
        workspace_id: Uuid,
        owner_id: Uuid,
        stored: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        self.open(workspace_id, owner_id, stored)
            .map(|(plain, _)| plain)
    }

    /// `stored` sealed again with the current key, or `None` when it already is.
    pub fn reseal(
        &self,
        workspace_id: Uuid,
        owner_id: Uuid,
        stored: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        match self.open(workspace_id, owner_id, stored)? {
            (_, Opened::WithCurrent) => Ok(None),
            (plain, Opened::WithPrevious) => {
                self.encrypt_bytes(workspace_id, owner_id, &plain).map(Some)
            }
        }
    }

    /// The plaintext, and whether the current key or an earlier one opened it.
    fn open(
        &self,
        workspace_id: Uuid,
        owner_id: Uuid,
        stored: &[u8],
    ) -> Result<(Vec<u8>, Opened), StoreError> {
        if stored.len() < 1 + NONCE_LEN || stored[0] != VERSION {
            return Err(unreadable());
        }
        let (nonce, sealed) = stored[1..].split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| unreadable())?;
        let aad = associated_data(workspace_id, owner_id);
        let keys = self.keys()?;
        let try_key = |key: &Aes256Gcm| {
            let payload = Payload {
                msg: sealed,
                aad: &aad,
            };
            key.decrypt(&Nonce::from(nonce), payload).ok()
        };
        if let Some(plain) = try_key(&keys.current) {
            return Ok((plain, Opened::WithCurrent));
        }
        keys.previous
            .iter()
            .find_map(try_key)
            .map(|plain| (plain, Opened::WithPrevious))
            .ok_or_else(unreadable)
    }
}

enum Opened {
    WithCurrent,
    WithPrevious,
}

fn unreadable() -> StoreError {
    StoreError::Crypto(
        "an encrypted value cannot be decrypted: neither KITH_SECRET_KEY (or the key file's first key) nor any previous key is the one it was written with".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_only_in_their_place_and_with_their_key() {
        let cipher = Cipher::new(&[7u8; 32]);
        let (workspace, field) = (Uuid::now_v7(), Uuid::now_v7());
        let stored = cipher
            .encrypt(workspace, field, "IBAN FR76 3000")
            .expect("encrypt");
        assert!(!String::from_utf8_lossy(&stored).contains("FR76"));
        assert_ne!(
            stored,
            cipher
                .encrypt(workspace, field, "IBAN FR76 3000")
                .expect("encrypt"),
            "fresh nonce each time"
        );
        assert_eq!(
            cipher.decrypt(workspace, field, &stored).expect("decrypt"),
            "IBAN FR76 3000"
        );
        assert!(
            cipher.decrypt(workspace, Uuid::now_v7(), &stored).is_err(),
            "bound to its field"
        );
        assert!(
            cipher.decrypt(Uuid::now_v7(), field, &stored).is_err(),
            "bound to its workspace"
        );
        assert!(
            Cipher::new(&[8u8; 32])
                .decrypt(workspace, field, &stored)
                .is_err(),
            "bound to its key"
        );
        assert!(cipher.decrypt(workspace, field, &stored[..5]).is_err());
    }

    #[test]
    fn a_ring_seals_with_its_current_key_and_opens_with_every_key() {
        let (workspace, field) = (Uuid::now_v7(), Uuid::now_v7());
        let old = Cipher::new(&[1u8; 32]);
        let sealed_by_old = old.encrypt(workspace, field, "old").expect("encrypt");
        let ring = KeyRing::single([1u8; 32]).rotated_to([2u8; 32]);
        assert_eq!(ring.previous, vec![[1u8; 32]]);
        let both = Cipher::with_keys(&ring, None);
        assert_eq!(
            both.decrypt(workspace, field, &sealed_by_old)
                .expect("old key opens"),
            "old"
        );
        let resealed = both
            .reseal(workspace, field, &sealed_by_old)
            .expect("reseal")
            .expect("sealed with an old key, so sealed again");
        assert_eq!(
            both.reseal(workspace, field, &resealed).expect("reseal"),
            None
        );
        let new_only = Cipher::new(&[2u8; 32]);
        assert_eq!(
            new_only
                .decrypt(workspace, field, &resealed)
                .expect("new key"),
            "old"
        );
        assert!(new_only.decrypt(workspace, field, &sealed_by_old).is_err());
        assert!(
            Cipher::new(&[3u8; 32])
                .reseal(workspace, field, &resealed)
                .is_err(),
            "a value no key opens is an error, not skipped"
        );
    }

    #[test]
    fn key_files_round_trip_and_name_a_bad_line() {
        let ring = KeyRing::single([7u8; 32]).rotated_to([9u8; 32]);
        assert_eq!(KeyRing::parse_file(&ring.to_file()).expect("parse"), ring);
        let hex = "42".repeat(32);
        assert_eq!(
            KeyRing::parse_file(&format!("\n{hex}\n"))
                .expect("hex")
                .current,
            [0x42u8; 32]
        );
        let bad = KeyRing::parse_file(&format!("{hex}\nnot a key\n")).expect_err("bad line");
        assert!(bad.starts_with("line 2:"), "{bad}");
        assert!(KeyRing::parse_file("\n").is_err());
    }
}
