// Package pipeline joins the Hawkes fits, the features, the learned model
// and the baselines to measure how well the toolkit predicts: under k-fold
// cross-validation beside the baselines (CrossValidate), or with a trained
// model on new cascades (Predict). Training and applying a model is package
// predict's, so the batch and the stream share it.
//
// # Methods
//
// Every evaluation scores these methods on the same cascades, in this order:
//
//	hawkes     the model alone, w = 1: n + A1/(1-n*) (predict.Hawkes)
//	forest     the random forest's prediction (predict.Apply)
//	seismic    evaluate.Seismic on the events observed up to the window
//	loglinear  evaluate.LogLinear with the constant of the training cascades
//	boost      the gradient-boosted trees' prediction (predict.Apply)
//
// Cross-validation scores forest, and boost where CVOptions.Boost is set;
// Predict scores the one model it is given, under forest or boost after its
// learner.
//
// Every cascade gets a prediction from every method: where hawkes has none
// (a status other than ok and unbounded, or no finite prediction), seismic has
// none (an unbounded cascade) or a learned model has none (predict.TargetW on a
// cascade where w is not defined), the loglinear prediction of the same
// training set is used instead, and the substitution is counted in
// Stats.Fallbacks.
//
// # Intervals
//
// Where every model of an evaluation carries an interval (predict.Train's,
// for TargetLogRatio), the forest's report also scores its intervals:
// coverage and relative width (evaluate.IntervalReport). Under
// cross-validation each cascade's interval is that of the fold model that
// never saw it. A cascade whose forest prediction fell back to loglinear gets
// the point interval [v, v] of the fallback v, which counts as missed unless v
// is exact.
//
// Randomness is explicit: the folds come from train.KFold with the seed given
// and the forest from train.Fit with its Config.Seed, so the same inputs and
// seeds give the same report.
package pipeline
