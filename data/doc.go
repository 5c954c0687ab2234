// Package data reads and writes retweet cascades in the two-file layout of the
// NEWS and SEISMIC data sets (data.csv with one row per event, index.csv with
// one row per cascade) and in the single-cascade CSV layout.
//
// # Files
//
// The event file (data.csv) has one row per event. Its header names a time
// column, time or relative_time_second (seconds since the original tweet),
// and a magnitude column, magnitude or number_of_followers (the follower count
// of the account that posted or retweeted). The cascades are stored one after
// another.
//
// The index file (index.csv) has one row per cascade. Its header must name
// start_ind and end_ind: the first and last row of the cascade in the event
// file, 1-based and inclusive, not counting the header. It may name id (else a
// cascade's ID is its 1-based position in the index) and one start-time
// column: post_time_day in days, or start_time or post_time in seconds. The
// NEWS index has only start_ind,end_ind.
//
// A single-cascade file has the event file's columns and no index; every row
// is an event of the one cascade.
//
// In every file columns are found by name, without regard to case, and other
// columns are ignored. Names and values may be quoted ("time") and may have
// spaces around them; a quoted field cannot span lines. Blank lines are
// skipped and do not count as rows. A UTF-8 byte order mark is allowed.
//
// # Validation
//
// The readers reject, with a *ParseError naming the file, line and column and
// wrapping a sentinel error that callers test with errors.Is: an empty file
// (ErrEmpty), a missing required column (ErrMissingColumn), rows with the wrong
// number of fields (ErrFieldCount), empty fields (ErrMissingValue), values that
// are not numbers (ErrNotNumber) or not finite (ErrNotFinite), negative times
// or magnitudes (ErrNegative), times that go backwards inside a cascade
// (ErrBackwards), index ranges that start before row 1 or end after the last
// data row (ErrRange), are inverted (ErrInverted) or overlap (ErrOverlap),
// duplicate ids (ErrDuplicateID), a line longer than MaxLineBytes (64 KiB,
// ErrLineTooLong) and a folder given as a file (ErrNotFile). Rows that no
// index range covers are allowed and skipped.
//
// # Hostile input
//
// The readers hold one line at a time, so a file without line ends, or a
// data.csv that links to an endless device, is refused after MaxLineBytes
// bytes rather than read into memory. Load and ReadEvents read under a
// context and stop at the next read once it is done (every 64 KiB at most),
// wherever they are in the file, so that Ctrl-C stops a load; a read that
// waits on a pipe is woken too.
//
// A magnitude of 0 (an account with no followers) is legal. The first time of
// a cascade need not be 0 and several events may share a time: the fitter
// treats the first event of a cascade as the original tweet, given rather than
// explained by the model, whatever its time.
//
// # Memory
//
// Load streams the event file: numbers are parsed from the read buffer into
// two shared backing arrays, and each Cascade's Times and Mags are sub-slices
// of them. The slices' capacity ends at their length, so an append copies
// rather than overwrite the next cascade, but the loaded cascades should be
// treated as read-only.
package data
