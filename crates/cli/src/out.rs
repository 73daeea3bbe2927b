//! Writing the command's output without a panic: `println!` panics when its reader has
//! gone (`clever-kyc mock | true`, `listen 2>&-`). A closed or broken stream loses the line,
//! as its reader chose; the exit status still says what happened.

use std::fmt;
use std::io::Write;

/// Writes one line to standard output and flushes it; errors are ignored.
pub(crate) fn stdout_line(line: fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(format_args!("{line}\n"));
    let _ = out.flush();
}

/// Writes text as it is to standard output and flushes it; errors are ignored.
pub(crate) fn stdout_text(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// One line on standard output, without a panic on a closed pipe.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::out::stdout_line(format_args!($($arg)*))
    };
}

pub(crate) use say;
