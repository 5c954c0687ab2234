package fit

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// runBFGS minimises the objective from x0 by gonum's BFGS with its default
// line search (optimize.Bisection), driven in the calling goroutine.
//
// optimize.Minimize runs a method in goroutines of its own that hand every
// evaluation and major iteration over channels; with the few hundred cheap
// evaluations of a fit at 600 s, that traffic (selectgo, chanrecv, wakep,
// park and the rest of the scheduler) took about a tenth of the CPU of
// `hawkes fit`. runBFGS calls the same exported steps of gonum (the
// LinesearchMethod's Init and Iterate, BFGS's directions, FunctionConverge)
// in the order optimize.Minimize does for a local method with one task, and
// applies the same checks in the same order: the limits on evaluations
// after each evaluation, the recorder after each evaluation and major
// iteration that did not end the run and once at the end, the gradient threshold and converger
// at each major iteration, the method's own gradient threshold (1e-12) after
// it. So it visits the same points and returns what Minimize returns: the
// location of the last major iteration (x; nil where Minimize returns no
// result), the status and the error. TestRunBFGSMatchesMinimize checks
// that on fits and on every way a run ends.
//
// s.Converger must be set; the settings not named above are not used.
func runBFGS(p optimize.Problem, x0 []float64, s *optimize.Settings) (x []float64, status optimize.Status, err error) {
	rec := s.Recorder
	if rec != nil {
		if err := rec.Init(); err != nil {
			return nil, optimize.NotTerminated, err
		}
	}
	dim := len(x0)
	stats := &optimize.Stats{}
	opt := &optimize.Location{X: make([]float64, dim), F: math.Inf(1)}
	conv := s.Converger
	conv.Init(dim)
	if rec != nil {
		if err := rec.Record(opt, optimize.InitIteration, stats); err != nil {
			return nil, optimize.NotTerminated, err
		}
	}
	loc := &optimize.Location{X: append([]float64(nil), x0...)}
	scratch := make([]float64, dim)

	// evaluate performs an evaluation asked for, and reports the status
	// and error that end the run (NotTerminated, nil to go on).
	evaluate := func(op optimize.Operation) (optimize.Status, error) {
		copy(scratch, loc.X)
		if op&optimize.FuncEvaluation != 0 {
			loc.F = p.Func(scratch)
			stats.FuncEvaluations++
		}
		if op&optimize.GradEvaluation != 0 {
			if len(loc.Gradient) == 0 {
				loc.Gradient = make([]float64, dim)
			}
			p.Grad(loc.Gradient, scratch)
			stats.GradEvaluations++
		}
		if s.FuncEvaluations > 0 && stats.FuncEvaluations >= s.FuncEvaluations {
			return optimize.FunctionEvaluationLimit, nil
		}
		return record(rec, loc, op, stats)
	}
	// major performs a major iteration at loc.
	major := func() (optimize.Status, error) {
		opt.F = loc.F
		copy(opt.X, loc.X)
		if loc.Gradient == nil {
			opt.Gradient = nil
		} else {
			if opt.Gradient == nil {
				opt.Gradient = make([]float64, dim)
			}
			copy(opt.Gradient, loc.Gradient)
		}
		stats.MajorIterations++
		switch {
		case math.IsInf(opt.F, -1):
			return optimize.FunctionNegativeInfinity, nil
		case opt.Gradient != nil && s.GradientThreshold > 0 && floats.Norm(opt.Gradient, math.Inf(1)) < s.GradientThreshold:
			return optimize.GradientThreshold, nil
		}
		if st := conv.Converged(opt); st != optimize.NotTerminated {
			return st, nil
		}
		if s.MajorIterations > 0 && stats.MajorIterations >= s.MajorIterations {
			return optimize.IterationLimit, nil
		}
		return record(rec, loc, optimize.MajorIteration, stats)
	}
	end := func(st optimize.Status, err error) ([]float64, optimize.Status, error) {
		if rec != nil && err == nil {
			err = rec.Record(opt, optimize.PostIteration, stats)
		}
		return opt.X, st, err
	}

	// The starting point: its value and gradient, then its checks.
	if st, err := evaluate(optimize.FuncEvaluation | optimize.GradEvaluation); st != optimize.NotTerminated || err != nil {
		return end(st, err)
	}
	if math.IsInf(loc.F, 1) || math.IsNaN(loc.F) {
		return end(optimize.Failure, optimize.ErrFunc(loc.F))
	}
	for i, v := range loc.Gradient {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return end(optimize.Failure, optimize.ErrGrad{Grad: v, Index: i})
		}
	}
	if st, err := major(); st != optimize.NotTerminated || err != nil {
		return end(st, err)
	}
	ls := &optimize.LinesearchMethod{Linesearcher: &optimize.Bisection{}, NextDirectioner: &optimize.BFGS{}}
	op, err := ls.Init(loc)
	for {
		if err != nil {
			return end(optimize.Failure, err)
		}
		var st optimize.Status
		switch op {
		case optimize.MajorIteration:
			st, err = major()
			if st == optimize.NotTerminated && err == nil && loc.Gradient != nil && floats.Norm(loc.Gradient, math.Inf(1)) < bfgsGradStop {
				// BFGS's own threshold (GradStopThreshold's default).
				return end(optimize.GradientThreshold, nil)
			}
		case optimize.NoOperation:
			st, err = record(rec, loc, op, stats)
		default:
			st, err = evaluate(op)
		}
		if st != optimize.NotTerminated || err != nil {
			if err != nil && st == optimize.NotTerminated {
				st = optimize.Failure
			}
			return end(st, err)
		}
		op, err = ls.Iterate(loc)
	}
}

// bfgsGradStop is the default GradStopThreshold of gonum's BFGS, which
// optimize.Minimize applies after each major iteration.
const bfgsGradStop = 1e-12

// record asks the recorder, as optimize.Minimize does after an operation
// that did not end the run; an error it returns ends the run as a Failure.
func record(rec optimize.Recorder, loc *optimize.Location, op optimize.Operation, stats *optimize.Stats) (optimize.Status, error) {
	if rec == nil {
		return optimize.NotTerminated, nil
	}
	if err := rec.Record(loc, op, stats); err != nil {
		return optimize.Failure, err
	}
	return optimize.NotTerminated, nil
}
