//! Object ids of either hash git uses: SHA-1 (20 bytes) or SHA-256 (32).
//!
//! libgit2's `Oid` holds SHA-1 only, so ids travel through leakgate in this
//! type and become a `git2::Oid` only inside the object reader.

use std::fmt;

use anyhow::{Result, bail};

/// The object format of a repository (`extensions.objectFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectFormat {
    Sha1,
    Sha256,
}

impl ObjectFormat {
    /// The length of an id in bytes.
    pub fn id_len(self) -> usize {
        match self {
            ObjectFormat::Sha1 => 20,
            ObjectFormat::Sha256 => 32,
        }
    }

    /// The id of the empty tree, which every repository has without
    /// storing it: a first commit is compared with it.
    pub fn empty_tree(self) -> ObjectId {
        let hex = match self {
            ObjectFormat::Sha1 => "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            ObjectFormat::Sha256 => {
                "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"
            }
        };
        ObjectId::from_hex(hex).expect("the empty tree's id is valid")
    }
}

/// An object id, SHA-1 or SHA-256.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    bytes: [u8; 32],
    len: u8,
}

impl ObjectId {
    /// Parses 40 or 64 hexadecimal digits.
    pub fn from_hex(hex: &str) -> Result<Self> {
        let digits = hex.as_bytes();
        if !matches!(digits.len(), 40 | 64) {
            bail!("{hex:?} is not an object id (40 or 64 hexadecimal digits)");
        }
        let mut bytes = [0u8; 32];
        for (i, pair) in digits.chunks(2).enumerate() {
            let (Some(high), Some(low)) = (hex_value(pair[0]), hex_value(pair[1])) else {
                bail!("{hex:?} is not an object id (40 or 64 hexadecimal digits)");
            };
            bytes[i] = high << 4 | low;
        }
        Ok(ObjectId {
            bytes,
            len: (digits.len() / 2) as u8,
        })
    }

    /// An id from its raw bytes, as tree objects store them.
    pub fn from_raw(raw: &[u8]) -> Result<Self> {
        if !matches!(raw.len(), 20 | 32) {
            bail!("an object id has 20 or 32 bytes, not {}", raw.len());
        }
        let mut bytes = [0u8; 32];
        bytes[..raw.len()].copy_from_slice(raw);
        Ok(ObjectId {
            bytes,
            len: raw.len() as u8,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The all-zero id git prints for "no object".
    pub fn is_zero(&self) -> bool {
        self.as_bytes().iter().all(|&b| b == 0)
    }

    /// The same id for libgit2, which reads SHA-1 repositories only.
    pub fn to_git2(&self) -> Option<git2::Oid> {
        (self.len == 20)
            .then(|| git2::Oid::from_bytes(self.as_bytes()).ok())
            .flatten()
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.as_bytes() {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_and_sha256_ids_round_trip_through_hex_and_raw_bytes() {
        for hex in [
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
        ] {
            let id = ObjectId::from_hex(hex).unwrap();
            assert_eq!(id.to_string(), hex);
            assert_eq!(ObjectId::from_raw(id.as_bytes()).unwrap(), id);
        }
        assert!(ObjectId::from_hex("4b825dc6").is_err());
        assert!(ObjectId::from_hex(&"g".repeat(40)).is_err());
        assert!(ObjectId::from_hex(&"0".repeat(40)).unwrap().is_zero());
    }

    #[test]
    fn only_sha1_ids_go_to_libgit2() {
        let sha1 = ObjectFormat::Sha1.empty_tree();
        assert_eq!(sha1.to_git2().unwrap().to_string(), sha1.to_string());
        assert!(ObjectFormat::Sha256.empty_tree().to_git2().is_none());
    }
}
