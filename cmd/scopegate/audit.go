package main

import (
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newAuditLogger opens the audit log that log.audit names: "" is off (a
// nil logger), "stdout" and "stderr" the process streams, anything else a
// file appended to, readable by its owner only. Audit lines are always
// JSON, one object per event, with the event name under "event" and no
// level: they are records to be parsed, not messages to be filtered.
func newAuditLogger(output string, stdout, stderr io.Writer) (*zap.Logger, func() error, error) {
	var w io.Writer
	closeFn := func() error { return nil }
	switch output {
	case "":
		return nil, closeFn, nil
	case "stdout":
		w = stdout
	case "stderr":
		w = stderr
	default:
		f, err := os.OpenFile(output, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("log.audit: %w", err)
		}
		w, closeFn = f, func() error { f.Sync(); return f.Close() }
	}
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{
		TimeKey:        "time",
		MessageKey:     "event",
		EncodeTime:     zapcore.ISO8601TimeEncoder,
		EncodeDuration: zapcore.StringDurationEncoder,
		LineEnding:     zapcore.DefaultLineEnding,
	})
	core := zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), zapcore.InfoLevel)
	return zap.New(core), closeFn, nil
}
