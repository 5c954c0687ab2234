// Package pipeline joins the Hawkes fits, the features, the random forest and
// the baselines into the two things the project does with them: train a model
// that predicts the final size of cascades (Train, Predict) and measure how
// well it does under k-fold cross-validation beside the baselines
// (CrossValidate).
//
// # Methods
//
// Every evaluation scores four methods on the same cascades, in this order:
//
//	hawkes     the model alone, w = 1: n + A1/(1-n*) (features.Row.NHat)
//	forest     the random forest's prediction (see Target)
//	seismic    evaluate.Seismic on the events observed up to the window
//	loglinear  evaluate.LogLinear fitted on the training cascades
//
// Every cascade gets a prediction from every method: where hawkes has none
// (a status other than ok and unbounded, or no finite prediction), seismic has
// none (an unbounded cascade) or the forest has none (TargetW on a cascade
// where w is not defined), the loglinear prediction of the same training set
// is used instead, and the substitution is counted in Stats.Fallbacks.
//
// # Targets
//
// The forest learns either TargetLogRatio, log(N/n) with n the events observed
// in the window (at least 1) and N the final size, which is defined for every
// cascade whatever its fit, so one forest covers them all and predicts
// N_hat = n·exp(prediction); or TargetW, the correction w of SPEC section 4,
// defined only for the cascades whose fit is ok or unbounded with A1 > 0 and
// n* < 1, predicting N_hat = n + w·A1/(1-n*) there. DefaultTarget is
// TargetLogRatio: with 5-fold cross-validation on seismic_subset its forest
// has a mean and median ARE of 0.32 and 0.27 at 600 s and 0.28 and 0.22 at
// 3600 s, where TargetW, defined on about half the cascades only, has a
// median of 0.78 and 0.83 and a mean in the thousands (its prediction
// multiplies the forest's error by A1/(1-n*), which explodes as n* nears 1).
//
// Randomness is explicit: the folds come from train.KFold with the seed given
// and the forest from train.Fit with its Config.Seed, so the same inputs and
// seeds give the same report.
package pipeline
