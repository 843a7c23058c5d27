package pipelines

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/xcetl/xcetl"
)

// scrubHandler removes the pipeline's secrets from every log record — the
// message and every attribute, at every level, whatever the format — before
// the program's handler sees it: a plugin that logs a driver's error with
// a DSN in it cannot leak the password.
type scrubHandler struct {
	h  slog.Handler
	sc *xcetl.Scrubber
}

func (s scrubHandler) Enabled(ctx context.Context, l slog.Level) bool { return s.h.Enabled(ctx, l) }

func (s scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, s.sc.Scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(s.attr(a))
		return true
	})
	return s.h.Handle(ctx, nr)
}

func (s scrubHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = s.attr(a)
	}
	return scrubHandler{h: s.h.WithAttrs(out), sc: s.sc}
}

func (s scrubHandler) WithGroup(name string) slog.Handler {
	return scrubHandler{h: s.h.WithGroup(name), sc: s.sc}
}

// attr scrubs one attribute: text as text, anything else (errors, values
// with a String method, structs) as the text a handler would print.
func (s scrubHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, s.sc.Scrub(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = s.attr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, s.sc.Scrub(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, s.sc.Scrub(x.String()))
		default:
			return slog.String(a.Key, s.sc.Scrub(fmt.Sprint(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
