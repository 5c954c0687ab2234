package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/stream"
	"github.com/hawkes-toolkit/hawkes/train"
)

// TrainerOptions are the options of hawkes stream trainer.
type TrainerOptions struct {
	IO      *ioStreams
	Conn    *ConnOptions
	Trainer stream.TrainerOptions
}

// newStreamTrainerCmd returns hawkes stream trainer; runF, when not nil,
// replaces runStreamTrainer.
func newStreamTrainerCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *TrainerOptions) error) *cobra.Command {
	opts := &TrainerOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "trainer --brokers HOST:PORT,... [flags]",
		Short: "Learn a forest per window from finished cascades and publish it",
		Long: `Consume the samples topic, keep the newest --max-samples samples of each
window, grow that window's forest again every --retrain-every new samples,
and publish it on the models topic (one partition; the newest version per
window wins; a forest too large for one message is grown with fewer trees).
Runs until stopped.`,
		Example: `  hawkes stream trainer --brokers 127.0.0.1:9092 --retrain-every 200 --max-samples 10000`,
		Args:    noArgs,
		RunE:    streamRunE(opts, runF, runStreamTrainer),
	}
	addTrainerFlags(cmd.Flags(), &opts.Trainer)
	return cmd
}

// addTrainerFlags adds the flags of the trainer options, which start at their
// defaults; hawkes stream adds them all.
func addTrainerFlags(f *pflag.FlagSet, o *stream.TrainerOptions) {
	f.IntVar(&o.RetrainEvery, "retrain-every", stream.DefaultRetrainEvery, "grow a window's forest again every `K` new samples of it")
	f.IntVar(&o.MaxSamples, "max-samples", stream.DefaultMaxSamples, "training set of each window: the newest `N` samples")
	f.IntVar(&o.Forest.Trees, "trees", stream.DefaultTrainerTrees, "trees of each forest")
	f.IntVar(&o.Forest.MinLeaf, "min-leaf", train.DefaultMinLeaf, "fewest bootstrap draws in a leaf")
	f.StringVar(&o.Group, "trainer-group", stream.DefaultTrainerGroup, "consumer group of the trainer")
}

// Validate checks the flags; package stream holds the rules of the
// trainer's options.
func (o *TrainerOptions) Validate() error {
	if err := o.Conn.validateRole(); err != nil {
		return err
	}
	return o.Trainer.Validate()
}

// runStreamTrainer runs the trainer until ctx is done. Its forests grow on
// every CPU (train.Config.Workers 0).
func runStreamTrainer(ctx context.Context, opts *TrainerOptions) error {
	return runRole(ctx, opts.IO, opts.Conn, func(log *slog.Logger, m *stream.Metrics) (*stream.Trainer, error) {
		o := opts.Trainer
		o.Log, o.Metrics = log, m
		return stream.NewTrainer(opts.Conn.client(), opts.Conn.Topics, o)
	}, func(t *stream.Trainer) string {
		return fmt.Sprintf("trainer: %d samples, %d models", t.Consumed(), t.Models())
	})
}
