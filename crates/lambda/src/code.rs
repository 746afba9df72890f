//! Function code: zips kept on disk beside the database (`{db}.lambda/`), named by their
//! SHA-256, and unpacked into a folder per zip for the workers. With `--db :memory:` they live
//! in a temporary folder that goes with the process.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::{LambdaError, LambdaResult};

/// Lambda's limit for a zip uploaded in the request (50 MB).
pub const MAX_ZIP: usize = 50 * 1024 * 1024;

/// Lambda's limit on a function's code unpacked (250 MB).
const MAX_UNZIPPED: u64 = 262_144_000;

/// Where zips and unpacked code live.
#[derive(Debug)]
pub struct CodeStore {
    dir: PathBuf,
    /// Keeps the temporary folder of an in-memory database alive.
    _temp: Option<tempfile::TempDir>,
}

/// A stored zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Base64 SHA-256 (AWS's `CodeSha256`).
    pub sha256: String,
    /// Bytes (`CodeSize`).
    pub size: u64,
}

/// The name prefix of the folders code is unpacked in before it is renamed into place.
const STAGING: &str = ".unpack-";

impl CodeStore {
    /// The code folder for the database at `location` (`:memory:` gets a temporary one). A
    /// database file's folder is made with its first zip ([`Self::put`]), so a server that
    /// runs no function leaves none beside it.
    ///
    /// # Errors
    /// The temporary folder cannot be made.
    pub fn open(location: &str) -> std::io::Result<Self> {
        if location == ":memory:" {
            let temp = tempfile::Builder::new().prefix("apigw-lambda-").tempdir()?;
            return Ok(Self {
                dir: temp.path().to_path_buf(),
                _temp: Some(temp),
            });
        }
        let store = Self {
            dir: PathBuf::from(format!("{location}.lambda")),
            _temp: None,
        };
        store.sweep();
        Ok(store)
    }

    /// Remove what a crash left mid-unpack (staging folders of up to 250 MB each) and the
    /// completion files older versions put in task roots. At start, when nothing unpacks.
    fn sweep(&self) {
        let Ok(entries) = std::fs::read_dir(self.dir.join("run")) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with(STAGING) {
                let _ = std::fs::remove_dir_all(&path);
            } else {
                let _ = std::fs::remove_file(path.join(".complete"));
            }
        }
    }

    /// Check a zip and keep it. The file is written and synced before this returns, so a
    /// function document naming it is never committed without its code.
    ///
    /// # Errors
    /// `InvalidParameterValueException` for something that is not a readable zip; a write
    /// failure.
    pub fn put(&self, zip: &[u8]) -> LambdaResult<Stored> {
        Self::check(zip)?;
        let digest = Sha256::digest(zip);
        let stored = Stored {
            sha256: base64::engine::general_purpose::STANDARD.encode(digest),
            size: zip.len() as u64,
        };
        let path = self.zip_path(&stored.sha256);
        if !path.exists() {
            std::fs::create_dir_all(self.dir.join("zips"))?;
            let mut tmp = tempfile::NamedTempFile::new_in(self.dir.join("zips"))?;
            tmp.write_all(zip)?;
            tmp.as_file().sync_all()?;
            tmp.persist(&path).map_err(|e| e.error)?;
        }
        Ok(stored)
    }

    /// The zip of a `CodeSha256`.
    pub fn zip_path(&self, sha256: &str) -> PathBuf {
        self.dir
            .join("zips")
            .join(format!("{}.zip", file_key(sha256)))
    }

    /// The folder the zip of `sha256` is unpacked in, unpacking it the first time.
    ///
    /// # Errors
    /// The zip is missing or cannot be unpacked.
    pub fn unpacked(&self, sha256: &str) -> std::io::Result<PathBuf> {
        let key = file_key(sha256);
        let dir = self.dir.join("run").join(&key);
        if dir.is_dir() {
            return Ok(dir);
        }
        let bytes = std::fs::read(self.zip_path(sha256))?;
        // Unpacked in a folder of its own and renamed into place whole (one atomic rename):
        // two first invocations at once never see half a tree, and a crash leaves only a
        // staging folder (swept at the next start), so the folder's existence says it is
        // complete and the task root holds nothing but the zip's files.
        let run = self.dir.join("run");
        std::fs::create_dir_all(&run)?;
        let staging = tempfile::Builder::new().prefix(STAGING).tempdir_in(&run)?;
        unpack(&bytes, staging.path())?;
        match std::fs::rename(staging.path(), &dir) {
            Ok(()) => {
                let _ = staging.keep();
                Ok(dir)
            }
            // Another first invocation renamed its copy into place first.
            Err(_) if dir.is_dir() => Ok(dir),
            Err(e) => Err(e),
        }
    }

    /// A folder for files the service writes itself (the language bootstraps).
    pub fn own_dir(&self) -> PathBuf {
        self.dir.join("runtime")
    }
}

/// A file-name-safe form of a base64 digest.
fn file_key(sha256: &str) -> String {
    sha256.replace('/', "_").replace('+', "-").replace('=', "")
}

impl CodeStore {
    /// Read every entry, as unpacking will: a damaged or truncated zip fails here, at upload.
    ///
    /// # Errors
    /// `InvalidParameterValueException`, in AWS's words.
    pub fn check(zip: &[u8]) -> LambdaResult<()> {
        Self::check_within(zip, MAX_UNZIPPED)
    }

    /// [`Self::check`], with fewer than `limit` bytes unpacked ("smaller than", in AWS's
    /// words): the bytes the entries really hold, not the sizes they declare.
    fn check_within(zip: &[u8], limit: u64) -> LambdaResult<()> {
        let bad = LambdaError::unzippable;
        let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|_| bad())?;
        let mut total = 0u64;
        for i in 0..archive.len() {
            let entry = archive.by_index(i).map_err(|_| bad())?;
            if entry.enclosed_name().is_none() {
                return Err(bad());
            }
            // Reading up to the limit is enough to know it is reached.
            total += std::io::copy(&mut entry.take(limit - total), &mut std::io::sink())
                .map_err(|_| bad())?;
            if total >= limit {
                return Err(LambdaError::InvalidParameter(format!(
                    "Unzipped size must be smaller than {limit} bytes"
                )));
            }
        }
        Ok(())
    }
}

/// Unpack a checked zip into `into`, keeping Unix modes (a `bootstrap` must stay executable).
fn unpack(zip: &[u8], into: &Path) -> std::io::Result<()> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(std::io::Error::other)?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(std::io::Error::other)?;
        let Some(name) = entry.enclosed_name() else {
            continue;
        };
        let path = into.join(name);
        if entry.is_dir() {
            std::fs::create_dir_all(&path)?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::io::copy(&mut entry, &mut std::fs::File::create(&path)?)?;
        #[cfg(unix)]
        if let Some(mode) = entry.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            // Read, write and execute bits only: no set-user-id or set-group-id.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & 0o777))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip of `(name, content, mode)` entries.
    pub fn zip_of(files: &[(&str, &str, u32)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content, mode) in files {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(*mode);
            w.start_file(*name, opts).unwrap();
            w.write_all(content.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_is_stored_by_digest_and_unpacked_with_its_modes() {
        let store = CodeStore::open(":memory:").unwrap();
        let zip = zip_of(&[
            ("bootstrap", "#!/bin/sh\n", 0o755),
            ("lib/a.txt", "a", 0o644),
            ("suid", "", 0o4755),
        ]);
        let stored = store.put(&zip).unwrap();
        assert_eq!(stored.size, zip.len() as u64);
        assert_eq!(stored.sha256.len(), 44);
        let dir = store.unpacked(&stored.sha256).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("lib/a.txt")).unwrap(), "a");
        // The task root holds the zip's files and nothing of ours.
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["bootstrap", "lib", "suid"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("bootstrap"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o755);
            let mode =
                |f: &str| std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode("suid"), 0o755, "no set-user-id bit");
        }
        // The same bytes again: the same digest, unpacked once.
        assert_eq!(store.put(&zip).unwrap(), stored);
        assert_eq!(store.unpacked(&stored.sha256).unwrap(), dir);
    }

    /// The bytes entries hold count, not their declared sizes, in AWS's words.
    #[test]
    fn a_restart_sweeps_what_a_crash_or_an_older_version_left() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state.db");
        let db = db.to_str().unwrap();
        let store = CodeStore::open(db).unwrap();
        let stored = store.put(&zip_of(&[("app.py", "x = 1\n", 0o644)])).unwrap();
        let root = store.unpacked(&stored.sha256).unwrap();
        let run = root.parent().unwrap().to_path_buf();
        std::fs::create_dir_all(run.join(".unpack-crashed/lib")).unwrap();
        std::fs::write(root.join(".complete"), "").unwrap();
        let store = CodeStore::open(db).unwrap();
        assert!(!run.join(".unpack-crashed").exists());
        assert!(!root.join(".complete").exists());
        assert!(root.join("app.py").exists(), "unpacked code stays");
        assert_eq!(store.unpacked(&stored.sha256).unwrap(), root);
    }

    #[test]
    fn unpacked_size_is_limited() {
        let big = "x".repeat(600);
        let zip = zip_of(&[("a", big.as_str(), 0o644), ("b", big.as_str(), 0o644)]);
        assert_eq!(CodeStore::check_within(&zip, 1201), Ok(()));
        assert_eq!(
            CodeStore::check_within(&zip, 1200),
            Err(LambdaError::InvalidParameter(
                "Unzipped size must be smaller than 1200 bytes".into()
            ))
        );
        assert_eq!(
            CodeStore::check_within(&zip, 500),
            Err(LambdaError::InvalidParameter(
                "Unzipped size must be smaller than 500 bytes".into()
            ))
        );
    }

    #[test]
    fn what_is_not_a_zip_is_refused_with_aws_words() {
        let store = CodeStore::open(":memory:").unwrap();
        let zip = zip_of(&[("a.py", "x = 1\n", 0o644)]);
        for bad in [&b"not a zip"[..], &zip[..zip.len() - 10]] {
            assert_eq!(
                store.put(bad),
                Err(LambdaError::InvalidParameter(
                    "Could not unzip uploaded file. Please check your file, then try to upload again.".into()
                ))
            );
        }
    }
}
