//! leakgate's integration tests: real `git` in temporary repositories, the
//! real binary, and real `git commit` runs with the hook installed.

mod util;

mod commit_hook;
mod config;
mod gitleaks;
mod hook_managers;
mod install;
mod output;
mod precommit_framework;
mod reports;
mod scan_files;
