// Package convert turns raw posts, as platforms and their archiving tools
// write them, into retweet cascades: Twitter API v1.1 statuses, Twitter API
// v2 tweets as twarc2 writes them, and Bluesky Jetstream events. Each
// format has a Decoder of one line (DecodeTwitterV1, DecodeTwitterV2,
// DecodeBluesky); a Builder applies the rules below to what they decode;
// Convert reads whole inputs into data.Cascade values for data.WriteDir,
// and a Reader feeds a live stream (package stream's Live) the same
// events.
//
// # Cascades
//
// A cascade is an original post and its reposts. Its id is the
// original's id (a tweet id, or the at:// URI of a Bluesky post); its time
// 0 is the original's creation time, its start (the index's post_time, in
// Unix seconds) that time; each repost is an event at its own time after
// it. Times are whole seconds, as in the data sets: v1.1's created_at has
// no finer resolution, and reposts carry their original's created_at only.
// The magnitude of an event is the follower count of its poster, as the
// feed gave it at that post; the original's is taken from the original
// object embedded in the repost (retweeted_status in v1.1, the included
// tweet and user in v2) when the repost comes first.
//
// # Rules
//
//   - Duplicates: a post or repost whose id was seen before (a stream
//     delivers some twice) is counted once, and counted in Duplicates.
//   - Deletes: delete notices are counted, not applied. A cascade is what
//     was posted and reposted while it spread; a repost deleted later did
//     spread the original, and its deletion arrives after the fact (in the
//     live stream it could not be taken back anyway).
//   - Replies and quotes are posts of their own: each opens its own
//     cascade, and neither is an event of the cascade it replies to or
//     quotes, which are made of reposts only (as in the SEISMIC and NEWS
//     data sets). A repost of a reply or of a quote is an event of that
//     reply's or quote's cascade.
//   - First seen wins: a cascade is opened by the first post that names
//     its original, its own post or a repost; a later own post of an
//     original already opened by a repost changes nothing.
//   - The original's time: its own created_at, or the one embedded in the
//     repost. For Bluesky, whose reposts name the original only by URI,
//     it is the time of the original's own event when that was seen first,
//     else the time held in the original's record key (a TID: atproto
//     record keys are timestamp identifiers, see TIDTime), else, for a key
//     that is no TID, the time of the first repost (counted in
//     OriginTimeFallback). A v2 retweet whose original is not in the
//     response's includes falls back to its own time the same way.
//   - A repost dated before its original (clocks differ) is put at time 0,
//     and counted in Clamped.
//   - Magnitudes the feed does not give (Bluesky; v2 without user
//     expansions) come from Options.Followers (hawkes convert --followers
//     FILE, rows account,count), else Options.DefaultMagnitude
//     (DefaultMagnitude, 1, so that every such event weighs the same).
//   - --min-size N (Options.MinSize) keeps the cascades of at least N
//     events, the original included; all are counted in Cascades, those
//     kept in Written.
//   - Everything else a feed carries (rate-limit notices, likes, follows,
//     identity and account events) is skipped and counted by what it is.
//
// # Bad input
//
// A line that is not JSON, misses a field conversion needs (an id, a
// time), holds a value of the wrong type or out of range, or an id that
// cannot name a cascade (empty, over MaxIDBytes, a line break, not
// UTF-8), is malformed: it is counted in Malformed and reported with its
// file and line number (Options.Report), and the conversion goes on; with
// Options.Strict it stops with a *LineError instead. A line longer than
// MaxLineBytes (16 MiB) is malformed too: it is skipped without being held
// in memory. Inputs may be gzip-compressed (Decompress recognises them by
// their first bytes); a damaged gzip stream (a bad header, a cut, a wrong
// checksum) is malformed too, at the line where it fails: the rest of
// that input is skipped and the next one read.
//
// Decoding uses encoding/json on structs holding only the fields read;
// the JSON of these platforms has no schema library in Go worth its
// weight for the handful of fields used.
package convert
