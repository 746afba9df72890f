//! (tests added with the implementation)
