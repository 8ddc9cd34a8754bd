//! The 221(g) notice reader (in progress).
