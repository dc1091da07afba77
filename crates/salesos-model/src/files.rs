//! Metadata of stored files: uploads, error reports, exports, documents.

use crate::ids::{FileId, OrgId, UserId};

/// What a stored file is for; it decides retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// An uploaded import source.
    Upload,
    /// An error report or failed-rows file.
    Report,
    /// An export artifact (kept 7 days by default).
    Export,
    /// A document attached to a record.
    Document,
}

impl FileKind {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Upload => "upload",
            FileKind::Report => "report",
            FileKind::Export => "export",
            FileKind::Document => "document",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<FileKind> {
        [FileKind::Upload, FileKind::Report, FileKind::Export, FileKind::Document].into_iter().find(|k| k.as_str() == text)
    }
}

/// A file to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFile {
    /// Owning organization.
    pub org_id: OrgId,
    /// Owning user.
    pub owner_id: Option<UserId>,
    /// Purpose.
    pub kind: FileKind,
    /// Original file name (display only; never used as a path).
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// When it may be deleted, ms; `None` keeps it.
    pub expires_at: Option<i64>,
}

/// A stored file's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct FileMeta {
    /// Its id.
    pub id: FileId,
    /// Owning organization.
    pub org_id: OrgId,
    /// Owning user.
    pub owner_id: Option<UserId>,
    /// Purpose.
    pub kind: FileKind,
    /// Original name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// Storage location relative to the file store root (or the bucket).
    pub location: String,
    /// Creation time, ms.
    pub created_at: i64,
    /// Deletion time, ms.
    pub expires_at: Option<i64>,
}
