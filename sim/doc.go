// Package sim simulates retweet cascades from the marked Hawkes process with
// power-law memory of SPEC section 2, through its branching structure.
//
// Every event of magnitude m has a Poisson number of direct children with mean
// kappa m^beta / (theta c^theta), the integral of its kernel
// phi_m(tau) = kappa m^beta (c+tau)^-(1+theta); each child follows its parent
// after a Lomax delay with density theta c^theta (c+tau)^-(1+theta) and draws
// its own magnitude. The simulation is exact: no time discretisation and no
// truncation of the kernel other than the observation horizon.
//
// The simulator is written by hand because no Go library simulates marked
// Hawkes processes with this kernel. The Poisson draws come from
// gonum.org/v1/gonum/stat/distuv.
//
// Randomness is explicit: every function that samples takes a *rand.Rand or a
// seed, and Dataset gives each cascade its own stream derived from the seed and
// the cascade's index, so the same seed always gives the same data set.
//
// Parameters are fit.Params; the branching factor n* and kappa convert into
// each other through fit.Params.NStar and fit.KappaFor, under the power law
// of follower counts with exponent fit.Alpha. WriteParams writes the true
// parameters of a simulated data set, the params.csv beside it.
package sim
