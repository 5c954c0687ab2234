// Package train grows random forests of regression trees, which correct the
// Hawkes model's prediction of a cascade's final size (SPEC section 4), and
// stores them in a compact, versioned model file.
//
// # Why by hand
//
// The forest is written here rather than taken from a library because no
// maintained Go module does random-forest regression with what the project
// needs. golearn's ensemble.RandomForest (the only forest served by the
// module proxy) bags ID3 classification trees; github.com/wlattner/rf and
// CloudForest do regression but are unmaintained, seed their trees from the
// clock or the global random source (so a forest cannot be reproduced), and
// are not served by the module proxy. The code is small: CART on variance
// reduction with presorted rows, bagging, random feature subsets, out-of-bag
// error and mean-decrease-in-impurity importance.
//
// # The forest
//
// Fit takes the rows as [][]float64, X[i][j] being feature j of row i, and
// the targets y. Each tree is grown on a bootstrap sample (drawn with
// replacement) of the rows; a row drawn k times counts k times in node sizes
// and means. At each node, features are tried in a random order until
// Config.MaxFeatures of them that are not constant in the node have been
// scanned, and the node is split at the threshold that most reduces the
// squared error, provided each child keeps Config.MinLeaf draws. A node is a
// leaf when it has fewer than 2*MinLeaf draws, when its targets are all
// equal, when it is at Config.MaxDepth, or when no split reduces the error.
//
// Thresholds are float32 cut points between the distinct values of a
// feature, chosen once per feature for the whole training set (the float32
// midpoint of two neighbouring values, or failing that the smallest float32
// above the lower one; values that no float32 separates are treated as
// equal). A row goes left when x[j] <= threshold, so the partition seen in
// training is exactly the one applied at prediction. Leaves store the mean
// target minus the forest's Offset (the mean of y), rounded to LeafBits (16)
// significant bits; Forest.Predict returns Offset plus the mean of the trees'
// leaves. Both choices keep the model file small, and a forest read back from
// a file predicts exactly as the one written.
//
// Randomness is explicit: tree t draws everything from
// rand.New(rand.NewPCG(Config.Seed, t)), and what the trees contribute to the
// out-of-bag error and the importances is summed in tree order, so the same
// seed gives the same forest however many workers grow it.
//
// # Model file format, versions 1 to 5
//
// Version 2 is version 1 with one more field in the header's forest object,
// combine: "sum" for boosted trees (Forest.Sum), "mean" for a forest, and
// the boosted trees' settings as the header's boost object. Version 3 is a
// quantile regression forest (Forest.Quantiles): combine "mean", the forest
// object's quantiles: true, and a quantiles section at the end of the body
// (below); the header's interval may then carry a quantile, its nominal
// level. Write writes version 1 for a plain forest, byte for byte as
// before, version 2 for boosted trees, which a reader of version 1 only
// would average wrongly, and version 3 for a quantile regression forest,
// whose body a reader of version 2 refuses; ReadModel reads them all.
// Versions 4 and 5 are version 3 whose header's interval holds what an
// older reader would silently ignore: a split by predicted size (split,
// q_lo2, q_hi2; version 4) or offsets per bin of predicted size (bins:
// edges, lo, hi; version 5). Write writes them only for such intervals.
//
// A model file (and the payload of MarshalBinary) is, with integers
// big-endian:
//
//	4 bytes   magic "HKRF"
//	2 bytes   format version, 1
//	4 bytes   header length H (at most MaxHeaderBytes)
//	H bytes   JSON header
//	4 bytes   body length B (at most MaxBodyBytes)
//	B bytes   forest body, compressed with DEFLATE (RFC 1951)
//	4 bytes   CRC-32C (Castagnoli) of all the bytes before it
//
// The JSON header holds the Model's fields (window, features, target,
// config, trained_on, loglinear_a where known, created) and a forest object
// with n_features, trees, nodes, importance, oob {mse, r2, n} (NaN written as
// "NaN") and raw_bytes, the body's size once inflated (at most MaxRawBytes).
// Unknown header fields are ignored; a change that older readers cannot
// ignore gets a new version. The optional shift (Model.Shift, absent when 0)
// is such a field in every version: a reader that ignores it predicts the
// forest's unshifted log ratio, as builds before it did.
//
// The inflated body holds the trees, using unsigned LEB128 varints
// (encoding/binary's Uvarint):
//
//	uvarint   number of features d
//	uvarint   number of trees T
//	8 bytes   Offset, float64 bits, little-endian
//	T uvarints  the node count of each tree (odd: every split has two children)
//	d tables  one per feature: uvarint K, then K uvarints giving the sorted
//	          distinct thresholds of the feature as ordered keys (key =
//	          bits|1<<31 for a float32 with sign bit 0, ^bits otherwise),
//	          the first key whole and then the differences, all > 0
//	codes     a uvarint per node, trees in order, each tree in preorder (a
//	          node, then its left subtree, then its right subtree): 0 for a
//	          leaf, j+1 for a split on feature j
//	splits    a uvarint per split node in the same order: the index of its
//	          threshold in its feature's table
//	leaves    for the L leaves in the same order, three planes of L bytes:
//	          bits 31-24, then 23-16, then 15-8 of each value's float32 bits
//	          (bits 7-0 are zero, see LeafBits)
//	quantiles version 3 only: uvarint n, the training rows; n float32
//	          targets (little-endian bits); for each tree, n uvarints: the
//	          number of times its bootstrap sample drew each row; for each
//	          tree, a uvarint per drawn row: the rank, in preorder, of the
//	          leaf it fell in among the tree's leaves
//
// The quantiles section grows with Trees * n (some 200 KB raw for 200 trees
// on 400 rows, a third of that compressed).
//
// Splitting the body into sections, thresholds into per-feature tables and
// leaves into byte planes lets DEFLATE find the regularity: a forest of 200
// trees grown on 5 000 rows of 6 features with the default settings has
// about 310 000 nodes and encodes to about 780 KB (12 bytes a node in
// memory, 2.5 in the file). The size grows with Trees * n / MinLeaf: to stay
// under a message limit, lower Trees or raise MinLeaf.
//
// ReadModel checks the magic, the version, the lengths against the limits,
// the checksum, and then every count, index and value of the body, and
// returns errors wrapping ErrNotModel, ErrVersion, ErrTruncated or
// ErrCorrupt; it never panics, whatever its input. ReadModel stops at the
// end of the model; ReadModelAll and UnmarshalBinary, which read a file or a
// message that holds one model, also refuse any byte after it.
//
// # Bounds
//
// A model file is outside input (a file given to hawkes predict, a message
// on the stream's models topic), so what reading it may cost is bounded
// before it is spent:
//
//   - the header holds at most MaxHeaderBytes (1 MiB) and the compressed
//     body at most MaxBodyBytes (32 MiB); memory for them grows only with
//     the bytes actually read, so a length that lies about a short input
//     costs nothing;
//   - the header's raw_bytes, the inflated size of the body, must be at
//     most MaxRawBytes (32 MiB, some 9.5 million nodes: 200 trees grown
//     with the default settings on about 190 000 cascades, ten times the
//     largest data set in hand). It is checked before anything is
//     inflated;
//   - the body is then inflated once through a limit of raw_bytes+1 bytes
//     without being kept, and refused unless it inflates to exactly
//     raw_bytes; only then are raw_bytes allocated for it. A file whose
//     body inflates to far more than it claims (a "zip bomb": a 1 MB body
//     of zeros inflates to 1 GB) costs the time of inflating raw_bytes,
//     and no memory;
//   - the counts in the body are checked against the bytes left before
//     anything is allocated for them (a tree takes at least 5 bytes, a node
//     3), so decoding allocates at most about 13 times raw_bytes, as much
//     as a forest of that size needs in memory.
//
// Whatever its input, reading a model thus allocates at most the bytes it
// reads plus about 14 times MaxRawBytes (some 450 MB), and a header that
// claims more than MaxRawBytes is refused at once.
package train
