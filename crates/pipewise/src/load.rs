//! Loading a repository: discover its files, read them within the repository's
//! budget (in parallel), then the files each platform pulls in (GitLab CI's local
//! includes). [`Repo`] itself (`repo.rs`) is the loaded data, below the platforms
//! that read it; this is the step above them that fills it.

use crate::discover::{discover, Discovery};
use crate::repo::{budget_error, Repo, MAX_REPO_BYTES};
use crate::source::{FileKind, LoadError, SourceFile};
use crate::tree::Tree;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;

impl Repo {
    /// Discovers and loads a repository directory.
    pub fn load(root: &Path, display: &str) -> Repo {
        let d = discover(root);
        Repo::from_discovery(d, display, None)
    }

    /// Discovers and loads a repository from a [`Tree`] (a commit read from git):
    /// the same discovery, limits and budgets as a folder on disk. `root` only
    /// names the repository (nothing is read from it).
    pub fn load_tree(tree: Arc<dyn Tree>, root: &Path, display: &str) -> Repo {
        let d = crate::discover::discover_in(tree.as_ref(), root);
        Repo::from_discovery(d, display, Some(tree))
    }

    /// Loads a repository for an audit of one of its files (`rel`, relative to
    /// `root`): every discovered file, so repository-wide facts hold, plus that file
    /// (read as a workflow when its place does not say what it is).
    pub fn load_file(root: &Path, rel: &Path, display: &str) -> Repo {
        let mut d = discover(root);
        let rel = rel.to_string_lossy().replace('\\', "/");
        if !d.files.iter().any(|(p, _)| *p == rel) {
            let kind = crate::discover::classify(&rel).unwrap_or(FileKind::Workflow);
            d.files.push((rel, kind));
            d.files.sort();
        }
        Repo::from_discovery(d, display, None)
    }

    fn from_discovery(mut d: Discovery, display: &str, tree: Option<Arc<dyn Tree>>) -> Repo {
        let root = d.root.clone();
        let mut repo = Repo {
            root,
            display: display.to_string(),
            files: vec![],
            paths: std::mem::take(&mut d.paths),
            errors: vec![],
            incomplete: d.incomplete,
            tree,
            paths_digest: d.paths_digest,
        };
        // The repository budget, spent in a fixed order (workflows and actions first,
        // then by path) from the sizes on disk, before anything is read.
        let mut order: Vec<usize> = (0..d.files.len()).collect();
        order.sort_by_key(|&i| {
            let (rel, kind) = &d.files[i];
            (
                !matches!(kind, FileKind::Workflow | FileKind::Action),
                rel.clone(),
            )
        });
        let mut spent = 0u64;
        let mut over = vec![false; d.files.len()];
        for i in order {
            let (rel, _) = &d.files[i];
            let size = repo.size_of(rel);
            if size > crate::source::MAX_FILE_BYTES {
                continue; // refused on its own when read
            }
            if spent + size > MAX_REPO_BYTES {
                over[i] = true;
            } else {
                spent += size;
            }
        }
        let mut skipped = vec![];
        let mut i = 0;
        d.files.retain(|(rel, _)| {
            let keep = !over[i];
            i += 1;
            if !keep {
                skipped.push(budget_error(rel));
            }
            keep
        });
        d.errors.extend(skipped);
        // Audits that share a memo (the commits of one history) take a file they
        // loaded before, the same path and kind and the same content id, from it;
        // the file is still read, so what the audit reads is recorded alike.
        let memo = repo.tree.as_deref().and_then(|t| t.parse_memo());
        let loaded: Vec<(Option<Arc<SourceFile>>, Vec<LoadError>)> = d
            .files
            .par_iter()
            .map(|(rel, kind)| match repo.read(rel) {
                Ok(text) => {
                    let id = memo.and_then(|_| repo.tree.as_deref().and_then(|t| t.file_id(rel)));
                    if let (Some(memo), Some(id)) = (memo, &id) {
                        if let Some((f, errs)) = memo.get(rel, *kind, id) {
                            return (Some(f), errs);
                        }
                    }
                    let (f, errs) = SourceFile::from_text(rel.clone(), *kind, text);
                    let f = Arc::new(f);
                    if let (Some(memo), Some(id)) = (memo, id) {
                        memo.put(*kind, id, (f.clone(), errs.clone()));
                    }
                    (Some(f), errs)
                }
                Err(e) => (None, vec![e]),
            })
            .collect();
        repo.errors = d.errors;
        for (f, errs) in loaded {
            repo.files.extend(f);
            repo.errors.extend(errs);
        }
        crate::gitlab::include::load(&mut repo, &[]);
        repo
    }
}
