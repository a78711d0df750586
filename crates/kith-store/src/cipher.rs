//! Encryption at rest of sensitive field values: AES-256-GCM, a fresh random nonce per value, and
//! the workspace's and field's ids as associated data, so a stored value cannot be moved to
//! another field or workspace and still decrypt.

use crate::StoreError;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use uuid::Uuid;

/// The first byte of every stored value: the format, so keys or algorithms can change later.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
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

impl Cipher {
    pub fn new(key: &[u8; 32]) -> Cipher {
        Cipher {
            aead: Aes256Gcm::new(key.into()),
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
            .aead
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
        if stored.len() < 1 + NONCE_LEN || stored[0] != VERSION {
            return Err(unreadable());
        }
        let (nonce, sealed) = stored[1..].split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| unreadable())?;
        let aad = associated_data(workspace_id, owner_id);
        self.aead
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| unreadable())
    }
}

fn unreadable() -> StoreError {
    StoreError::Crypto(
        "an encrypted value cannot be decrypted: KITH_SECRET_KEY (or the key file) is not the one it was written with".into(),
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
}
