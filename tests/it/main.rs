//! Integration tests: the real `podium` binary on bad input (one module per kind of
//! damage), plus property tests of the pieces the fuzz targets in `fuzz/` cover.

mod dates;
mod files;
mod interrupt;
mod invariants;
mod json;
mod props;
mod records;
mod scale;
mod support;
