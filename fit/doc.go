// Package fit fits the marked Hawkes process with power-law memory of SPEC
// section 2 to a retweet cascade by maximum likelihood, and predicts the
// cascade's final size from it (SPEC section 3).
//
// # The model
//
// A cascade is an original tweet at time 0 and its retweets: event i has a
// time t_i in seconds and a magnitude m_i, the follower count of its
// account. Retweets arrive at the rate
//
//	lambda(t) = sum_{t_i < t} kappa m_i^beta (c + t - t_i)^-(1+theta)
//
// with kappa > 0, 0 <= beta < Alpha-1, c > 0 and theta > 0 (Params). Events
// at the same time do not excite each other, and the events tied with the
// original tweet are given, like it. Follower counts follow the power law
// P(m) = (Alpha-1) m^-Alpha, Alpha = 2.016, so each event has on average
//
//	n* = kappa (Alpha-1) / (Alpha-beta-1) / (theta c^theta)
//
// direct children (Params.NStar; KappaFor is the inverse). The n events
// observed in [0, T] are expected to have
//
//	A1 = sum_i kappa m_i^beta / theta * (c + T - t_i)^-theta
//
// direct children after T, each of which starts a cascade of mean size
// 1/(1-n*), so the predicted final size is N_hat = n + A1/(1-n*), defined for
// n* < 1 (Predict at given parameters, Result.NHat after a fit).
//
// # Fitting
//
// Fit maximises the log-likelihood (LogLik) by BFGS with the analytic
// gradient (gonum/optimize), from Options.Starts seeded starting points
// (DefaultStarts): n* and beta/(Alpha-1) uniform in [0.05, 0.95], c
// log-uniform in [1, 1000] s, theta log-uniform in [0.05, 5]. The optimiser
// works in the internal coordinates
//
//	(log A, logit(beta/(Alpha-1)), log c, log theta),  A = n*/E[m^beta] * theta/c,
//
// where A is the kernel's amplitude at lag 0. Every constraint holds by
// construction, n* is free to exceed 1, and each way a fit can run off to a
// limit of the family (beta -> Alpha-1, theta -> 0, or c and theta growing
// together) moves along one coordinate while A stays put. The likelihood
// is ne log A - A C + terms free of A, so at given beta, c and theta its
// best A, ne/C, is known in closed form: the fits with n* free maximise
// that profile likelihood over the last three coordinates alone, at the
// cost of one evaluation per point (amplitude.go). Every start runs
// first at a coarse accuracy of the likelihood (about half the rates of the
// rough one) to near its optimum and, if that is a power-law optimum, on
// from there to a loose tolerance at the rough accuracy, which is enough to
// rank the starts; a run that comes near a point an earlier run passed
// through on its way to an optimum stops as that optimum. The optima within 1e-3 (relative) of the
// best are then polished, by Newton's method and if need be BFGS, to a gradient
// of 1e-9 per event, once per distinct loose optimum. Result.Evals counts
// the likelihood evaluations of a fit. The exponential kernel rate e^(-rate tau), the limit of
// the power law as c and theta grow with theta/c fixed, is fitted from the
// same starts; a power-law run that heads for it is handed over to it early
// (see fitStarts). Batch fits many cascades on several workers; Writer writes
// the results as CSV or JSONL.
//
// # Statuses
//
// Result.Status says what kind of optimum the fit found, and the Has*
// methods of Result which fields apply:
//
//   - StatusOK: the best optimum is a power law with n* < 1.
//   - StatusUnbounded: the likelihood has no finite maximiser. The
//     exponential limit is at least as good as every power-law optimum (or a
//     power-law run passed theta = 1000, where it is within
//     ((rate tau)^2/2 - rate tau)/1000 of the limit); the limit's n*, beta,
//     rate, A1 and prediction are reported, but no kappa, c or theta.
//   - StatusSupercritical: the best optimum has n* >= 1 (or a run passed
//     n* = 100). The model is refitted on the boundary n* = 1 and, unless a
//     subcritical optimum beats that boundary, the boundary fit's parameters
//     are reported, without a prediction.
//   - StatusFailed: no start converged, or the data cannot identify the model
//     (for instance no event in the window after the original tweet's second,
//     where the likelihood is maximised at n* -> 0); Result.Reason says why.
//
// # Fast and exact likelihood
//
// The log-intensity at each event sums over all earlier events: the exact
// likelihood costs O(n^2) per evaluation. By default the power-law memory is
// written as a Laplace transform and discretised on a fixed grid of decay
// rates, so that the sums over past events follow the exponential kernel's
// recursion, O(n K) for K active rates (about 50 to 150). This fast
// likelihood is within FastAccuracy of the exact one. Options.Exact polishes
// and reports the optima with the exact double sum instead, the reference
// the tests compare with; the search from the starting points uses the fast
// likelihood either way. LogLik is always exact. Where the times are whole
// numbers (whole seconds in the data sets) the exact double sum takes its
// kernel, a log and an exp, once per distinct lag rather than per pair.
//
// # Where to start reading
//
//   - api.go: the exported types: Params, Options, Result and its Status.
//   - fit.go: Fit, its two stages (the search from the starting points and
//     the polish of its best optima), the choice of the optimum and its
//     status.
//   - starts.go: the defaults and the seeded starting points.
//   - minimize.go: the mode of each run (accuracy, tolerance, n* free or
//     fixed), the objective, BFGS and the fit of one kernel from one point.
//   - bfgs.go: gonum's BFGS driven in the calling goroutine, as
//     optimize.Minimize would drive it but without its goroutines and
//     channels (hand-written for that reason only).
//   - newton.go: Newton's method, which polishes a loose optimum in a few
//     steps.
//   - coords.go: n* and kappa, the fitter's parameters and their maps to the
//     optimiser's coordinates; amplitude.go: the likelihood's dependence on
//     n*, and the profile likelihood.
//   - loglik.go: a cascade prepared for evaluation (ties grouped), the exact
//     likelihoods of the power law and of its exponential limit, and LogLik.
//   - fast.go: the fast likelihood, its grid of rates and FastAccuracy;
//     taylor.go: its left tail of rates by Taylor moments, and the bound.
//   - predict.go: A1, the predicted size and Predict.
//   - compensator.go: Kernel, the fitted kernel whatever the status, and
//     Compensator, the integral of the intensity at any times (O(n K) by
//     the fast likelihood's rates), by which package diagnose rescales
//     time; forecast.go: Forecast, the expected count after T;
//     exponential.go: FitExponential, the exponential kernel alone.
//   - batch.go: Batch, many cascades on several workers, results in input
//     order.
//   - output.go: Writer, the CSV and JSONL output of hawkes fit.
package fit
