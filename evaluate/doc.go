// Package evaluate measures how well cascade-size predictions match the true
// final sizes, per popularity decile, and provides the two baselines the
// Hawkes model is compared with (LogLinear and SEISMIC).
//
// # Error metric and report
//
// The error of one prediction is the absolute relative error
// ARE = |N - N_hat| / N, where N is the true final size of the cascade.
// NewReport takes the true sizes and, for each named method, one prediction
// per cascade, and computes the count, mean and median ARE over all cascades
// and inside each of ten popularity deciles. A Report is written as an aligned
// table, as CSV or as JSON (Report.Write); package evaluate/boxplot draws it
// as box plots grouped by decile on a logarithmic axis.
//
// # Deciles
//
// The cascades are ranked by true size N, ties broken by their position in
// the input, so the ranking is a deterministic function of the input. With n
// cascades, decile k (k = 1..10) holds the cascades ranked
// floor((k-1)·n/10) to floor(k·n/10)-1 (0-based). The deciles therefore hold
// equal counts to within one cascade, and cascades of equal size may fall on
// both sides of a cut; each decile's Lo and Hi are the smallest and largest
// true size inside it, so adjacent ranges can share an endpoint. At least 10
// cascades are required.
//
// # Baselines
//
// LogLinear is the log-linear model of Szabo and Huberman (2010),
// log N = a + log n, fitted on training cascades. Seismic is the SEISMIC
// predictor of Zhao et al. (KDD 2015), which needs no training.
package evaluate
