// Package diagnose checks how well the fitted marked Hawkes model describes
// each cascade: the time-rescaling test of its fit and the comparison of the
// power-law kernel with its exponential limit.
//
// # Time rescaling
//
// Under the model, the compensator Lambda(t) = int_0^t lambda(s) ds turns
// the event times into a unit-rate Poisson process (the time-rescaling
// theorem; Brown et al., Neural Computation 14, 2002), so the gaps between
// successive rescaled times are independent unit exponentials. Cascade
// fits the cascade (fit.Fit), rescales its events with the fitted kernel
// (the power law, or its exponential limit where that is the fit) through
// fit.Compensator, the fit's own compensator, in O(n K), and tests the gaps
// against Exp(1) by the one-sample Kolmogorov-Smirnov test (KSExponential).
// Times recorded in whole seconds tie: Options.Tick spreads the events of a
// tick uniformly over the tick's rescaled length (Rescale).
//
// The parameters are estimated from the same events, which makes the test
// conservative, as in Lilliefors's case: on cascades simulated from the
// model it rejects less often than its level (TestUniformUnderFittedModel),
// while with the true parameters its p-values are uniform
// (TestUniformUnderTrueModel).
//
// # Power law against exponential kernel
//
// The exponential kernel is the limit of the power law as c and theta grow
// with theta/c fixed, so the power law's maximised likelihood is never
// lower; Result.AIC charges it for its extra parameter, and Result.Better
// names the kernel with the lower AIC. The exponential kernel is fitted on
// its own by fit.FitExponential.
//
// # Kolmogorov's distribution
//
// gonum.org/v1/gonum/stat gives the two-sample KS distance only, and no Go
// library we know of gives the one-sample p-value, Kolmogorov's
// distribution of D_n, so KolmogorovPValue implements it: the exact method
// of Marsaglia, Tsang and Wang (J. Stat. Softw. 8(18), 2003) where its matrix
// is small, their tail approximation in the far tail, and Stephens's
// corrected limit law for large n. The tests check it against published
// values (Marsaglia-Tsang-Wang's example, the exact forms of Ruben and
// Gambino, Miller's 1956 table of critical values) and the limit law against
// the exact method.
//
// # Where to start reading
//
//   - diagnose.go: Options, Result, Cascade and Rescale.
//   - ks.go: KSExponential and Kolmogorov's distribution.
//   - batch.go: Batch, many cascades on several workers, and Summary.
//   - output.go: Writer, the table, CSV and JSONL output of hawkes diagnose.
//   - curves.go: the curves of the picture of one cascade (hawkes plot).
//   - figure: the Q-Q plot and the picture of one cascade (gonum/plot), kept
//     apart so that only the commands that draw link the plotting packages.
package diagnose
