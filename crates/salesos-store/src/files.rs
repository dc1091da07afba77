//! The file store: uploaded sources, reports and exports, kept as files under a root folder with
//! their metadata (organization, owner, kind, size, sha256, expiry) in the database.
//!
//! Content is addressed by a generated location, never by the user's file name. The
//! [`FileStore`] holds the root; a bucket-backed variant (S3-compatible, shared by servers on
//! several machines) would implement the same four calls: `put`, `open`, `delete`, `sweep`.

use crate::error::{Result, StoreError};
use crate::sql::Row;
use crate::Store;
use salesos_model::files::{FileKind, FileMeta, NewFile};
use salesos_model::ids::{FileId, OrgId, UserId};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::PathBuf;

/// Files under a root folder.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

const FILE_COLUMNS: &str = "id, org_id, owner_id, kind, name, content_type, size, sha256, location, created_at, expires_at";

fn meta_from_row(row: &Row) -> Result<FileMeta> {
    let kind = row.text(3)?;
    Ok(FileMeta {
        id: FileId(row.int(0)?),
        org_id: OrgId(row.int(1)?),
        owner_id: row.opt_int(2)?.map(UserId),
        kind: FileKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("file kind {kind:?}")))?,
        name: row.text(4)?,
        content_type: row.text(5)?,
        size: row.int(6)?,
        sha256: row.text(7)?,
        location: row.text(8)?,
        created_at: row.int(9)?,
        expires_at: row.opt_int(10)?,
    })
}

/// Why a `put` stopped.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// The content exceeded the size limit; nothing was kept.
    #[error("file is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl FileStore {
    /// Uses (and creates) a root folder.
    pub fn new(root: impl Into<PathBuf>) -> Result<FileStore> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(FileStore { root })
    }

    /// The path of a stored file on disk.
    pub fn path(&self, meta: &FileMeta) -> PathBuf {
        self.root.join(&meta.location)
    }

    /// Streams content into the store, hashing it on the way, and records its metadata.
    ///
    /// Content over `max_bytes` is refused while streaming and nothing is kept.
    pub fn put(
        &self,
        store: &Store,
        file: &NewFile,
        content: &mut dyn Read,
        max_bytes: u64,
        nonce: u64,
        now: i64,
    ) -> Result<FileMeta, PutError> {
        let folder = format!("{}/{}", file.org_id, file.kind.as_str());
        std::fs::create_dir_all(self.root.join(&folder)).map_err(StoreError::from)?;
        let location = format!("{folder}/{now}-{nonce:016x}");
        let path = self.root.join(&location);
        let partial = self.root.join(format!("{location}.partial"));
        let result = (|| -> Result<(u64, String), PutError> {
            let mut out = std::fs::File::create(&partial).map_err(StoreError::from)?;
            let mut hasher = Sha256::new();
            let mut size: u64 = 0;
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let n = content.read(&mut buffer).map_err(StoreError::from)?;
                if n == 0 {
                    break;
                }
                size += n as u64;
                if size > max_bytes {
                    return Err(PutError::TooLarge { limit: max_bytes });
                }
                hasher.update(&buffer[..n]);
                out.write_all(&buffer[..n]).map_err(StoreError::from)?;
            }
            out.sync_all().map_err(StoreError::from)?;
            let digest = hasher.finalize();
            Ok((size, digest.iter().map(|b| format!("{b:02x}")).collect()))
        })();
        let (size, sha256) = match result {
            Ok(done) => done,
            Err(err) => {
                let _ = std::fs::remove_file(&partial);
                return Err(err);
            }
        };
        std::fs::rename(&partial, &path).map_err(StoreError::from)?;
        let id = store
            .write(|tx| {
                tx.insert_id(
                    "INSERT INTO files (org_id, owner_id, kind, name, content_type, size, sha256, location, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    &[
                        file.org_id.0.into(),
                        file.owner_id.map(|o| o.0).into(),
                        file.kind.as_str().into(),
                        file.name.as_str().into(),
                        file.content_type.as_str().into(),
                        (size as i64).into(),
                        sha256.as_str().into(),
                        location.as_str().into(),
                        now.into(),
                        file.expires_at.into(),
                    ],
                )
            })
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&path);
            })?;
        Ok(FileMeta {
            id: FileId(id),
            org_id: file.org_id,
            owner_id: file.owner_id,
            kind: file.kind,
            name: file.name.clone(),
            content_type: file.content_type.clone(),
            size: size as i64,
            sha256,
            location,
            created_at: now,
            expires_at: file.expires_at,
        })
    }

    /// Reads a file's metadata within an organization.
    pub fn meta(&self, store: &Store, org: OrgId, id: FileId) -> Result<FileMeta> {
        store.read(|tx| {
            tx.query_opt(
                &format!("SELECT {FILE_COLUMNS} FROM files WHERE id = $1 AND org_id = $2"),
                &[id.0.into(), org.0.into()],
            )?
            .as_ref()
            .map(meta_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::not_found(format!("file {id}")))
        })
    }

    /// Opens a file's content for reading.
    pub fn open(&self, meta: &FileMeta) -> Result<std::fs::File> {
        Ok(std::fs::File::open(self.root.join(&meta.location))?)
    }

    /// Deletes a file and its metadata.
    pub fn delete(&self, store: &Store, meta: &FileMeta) -> Result<()> {
        store.write(|tx| tx.exec("DELETE FROM files WHERE id = $1", &[meta.id.0.into()]))?;
        match std::fs::remove_file(self.root.join(&meta.location)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err.into()),
            _ => Ok(()),
        }
    }

    /// Deletes every file whose expiry has passed; returns how many.
    pub fn sweep_expired(&self, store: &Store, now: i64) -> Result<usize> {
        let expired = store.read(|tx| {
            tx.query(
                &format!("SELECT {FILE_COLUMNS} FROM files WHERE expires_at IS NOT NULL AND expires_at <= $1"),
                &[now.into()],
            )?
            .iter()
            .map(meta_from_row)
            .collect::<Result<Vec<_>>>()
        })?;
        for meta in &expired {
            self.delete(store, meta)?;
        }
        Ok(expired.len())
    }
}
