package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/stream"
)

// AlertsOptions are the options of hawkes stream alerts.
type AlertsOptions struct {
	IO     *ioStreams
	Conn   *ConnOptions
	Alerts stream.AlertsOptions
}

// newStreamAlertsCmd returns hawkes stream alerts; runF, when not nil,
// replaces runStreamAlerts.
func newStreamAlertsCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *AlertsOptions) error) *cobra.Command {
	opts := &AlertsOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "alerts --brokers HOST:PORT,... [--threshold N] [--format text|jsonl]",
		Short: "Print and publish the cascades predicted to reach a size",
		Long: `Consume the predictions topic and, for each cascade and window whose
predicted size is at least --threshold, write one line on standard output
and publish it on the alerts topic, once per cascade and window. A jsonl
line holds "id", "window", "nhat", "n", "model_version", "source", "time"
and "threshold". A text line quotes an id (as Go does) that holds a space,
a quote, a backslash or a character that does not print, such as a
terminal escape. Runs until stopped.`,
		Example: `  hawkes stream alerts --brokers 127.0.0.1:9092 --threshold 10000 --format jsonl | jq .id`,
		Args:    noArgs,
		RunE:    streamRunE(opts, runF, runStreamAlerts),
	}
	addAlertsFlags(cmd.Flags(), &opts.Alerts)
	return cmd
}

// addAlertsFlags adds the flags of the alerts options, which start at their
// defaults; hawkes stream adds them all.
func addAlertsFlags(f *pflag.FlagSet, o *stream.AlertsOptions) {
	f.Float64Var(&o.Threshold, "threshold", stream.DefaultThreshold, "alert when the predicted size is at least `N`")
	f.StringVar(&o.Format, "format", stream.FormatText, "alert lines on standard output: text or jsonl")
	f.StringVar(&o.Group, "alerts-group", stream.DefaultAlertsGroup, "consumer group of the alerts role")
	f.BoolVar(&o.LearnedOnly, "learned-only", false, "alert only from predictions of a learned model (source forest)")
}

// Validate checks the flags; package stream holds the rules of the alerts
// role's options.
func (o *AlertsOptions) Validate() error {
	if err := o.Conn.validateRole(); err != nil {
		return err
	}
	return o.Alerts.Validate()
}

// runStreamAlerts runs the alerts role until ctx is done, its alert lines
// on standard output.
func runStreamAlerts(ctx context.Context, opts *AlertsOptions) error {
	return runRole(ctx, opts.IO, opts.Conn, func(log *slog.Logger, m *stream.Metrics) (*stream.Alerter, error) {
		o := opts.Alerts
		o.Log, o.Metrics, o.Out = log, m, opts.IO.Out
		return stream.NewAlerter(opts.Conn.client(), opts.Conn.Topics, o)
	}, func(a *stream.Alerter) string {
		return fmt.Sprintf("alerts: %d predictions, %d alerts", a.Predictions(), a.Alerts())
	})
}
