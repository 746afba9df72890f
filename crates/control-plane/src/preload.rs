//! `--init PATH`: OpenAPI files imported at start-up, so that a CI job or a laptop gets its
//! APIs (and, with a stage name, their deployed stages) from the files it keeps in its
//! repository, with one command.
//!
//! Only a state without APIs is preloaded: a restart on a kept database does not import the
//! files again. Each file goes through ImportRestApi's own code, so it gets AWS's errors; a
//! file that fails stops start-up with its name and that error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use apigw_model::{RestApi, Scope};
use apigw_store::typed;

use crate::deployments::{self, CreateDeploymentInput};
use crate::{import, AppState};

/// Why a preload stopped.
#[derive(Debug, thiserror::Error)]
pub enum PreloadError {
    /// The path cannot be read.
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// A file was refused, as ImportRestApi or CreateDeployment would refuse it.
    #[error("cannot import {0}: {1}")]
    Refused(PathBuf, String),
    /// The store failed.
    #[error("cannot preload: {0}")]
    Store(String),
}

/// The files `path` names: itself, or a folder's `.json`, `.yaml` and `.yml` files by name.
///
/// # Errors
/// The path or folder cannot be read.
pub fn files(path: &Path) -> Result<Vec<PathBuf>, PreloadError> {
    let meta = std::fs::metadata(path).map_err(|e| PreloadError::Read(path.into(), e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| PreloadError::Read(path.into(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Import every file of `path` into `scope` unless the state already has APIs there, deploying
/// each to `stage` when one is named. Returns a line per API created (or one saying why
/// nothing was imported).
///
/// # Errors
/// [`PreloadError`]: the first file that cannot be read or is refused (the APIs of earlier
/// files stay).
pub async fn preload(
    st: &AppState,
    scope: &Scope,
    path: &Path,
    stage: Option<&str>,
) -> Result<Vec<String>, PreloadError> {
    let files = files(path)?;
    let existing = {
        let mut c = st
            .store
            .read()
            .await
            .map_err(|e| PreloadError::Store(e.to_string()))?;
        typed::list::<RestApi>(&mut c, scope, "")
            .await
            .map_err(|e| PreloadError::Store(e.to_string()))?
            .len()
    };
    if existing > 0 {
        return Ok(vec![format!(
            "--init {}: not imported, the state already has {existing} API(s)",
            path.display()
        )]);
    }
    let mut lines = Vec::new();
    for file in files {
        let body = std::fs::read(&file).map_err(|e| PreloadError::Read(file.clone(), e))?;
        let refused = |e: crate::error::Error| PreloadError::Refused(file.clone(), e.0.to_string());
        let api = import::import_api(st, scope, &HashMap::new(), &body)
            .await
            .map_err(refused)?;
        let mut line = format!(
            "imported {} as API {} ({})",
            file.display(),
            api.id,
            api.name
        );
        if let Some(stage) = stage {
            deployments::deploy(st, scope, &api.id, CreateDeploymentInput::to_stage(stage))
                .await
                .map_err(refused)?;
            line.push_str(&format!(", deployed to stage {stage}"));
        }
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_gives_its_documents_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.yaml", "a.json", "c.yml", "notes.txt"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.json")).unwrap();
        let names: Vec<String> = files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.json", "b.yaml", "c.yml"]);
        let one = dir.path().join("a.json");
        assert_eq!(files(&one).unwrap(), [one]);
        assert!(matches!(
            files(&dir.path().join("missing")),
            Err(PreloadError::Read(..))
        ));
    }
}
