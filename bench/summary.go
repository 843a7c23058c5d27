package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// The bench ends with one summary table: a line for every target of every scenario that ran —
// scenario, the baseline and xcetl with their median seconds and the spread over the rounds,
// the ratio (or the measured value), the goal, PASS or FAIL — so that a reader sees the whole
// picture at a glance.
//
// The table is a small registry: a scenario adds the function that turns its measurements into
// Targets with addTargets, from an init function in its own file, and its lines appear in the
// table (and in results.json) in the order of the registrations' rank. A Target that leaves
// Scenario, Baseline and Xcetl empty still gets its line, named after the target.

// targetSource is one scenario's entry in the registry.
type targetSource struct {
	rank int
	fn   func(*Results) []Target
}

var targetSources []targetSource

// addTargets registers a scenario's target function; rank orders the summary table (the CSV
// scenarios first, then 100 and up for the others).
func addTargets(rank int, fn func(*Results) []Target) {
	targetSources = append(targetSources, targetSource{rank, fn})
	slices.SortStableFunc(targetSources, func(a, b targetSource) int { return a.rank - b.rank })
}

// timing renders a contender as `NAME MEDIAN s (MIN–MAX)`: the median over the rounds and the
// spread.
func timing(c *Contender, withName bool) string {
	if c == nil || len(c.Runs) == 0 {
		return "-"
	}
	lo, hi := c.Runs[0].Seconds, c.Runs[0].Seconds
	for _, r := range c.Runs {
		lo, hi = min(lo, r.Seconds), max(hi, r.Seconds)
	}
	s := fmt.Sprintf("%.2f s", c.MedianSeconds)
	if len(c.Runs) > 1 {
		s += fmt.Sprintf(" (%.2f–%.2f)", lo, hi)
	}
	if withName {
		s = c.Name + " " + s
	}
	return s
}

// fastestBaseline returns the scenario's reference: the baseline with the smallest median.
func fastestBaseline(sc *Scenario) *Contender {
	var best *Contender
	for _, c := range sc.Contenders {
		if c.Baseline && c.MedianSeconds > 0 && (best == nil || c.MedianSeconds < best.MedianSeconds) {
			best = c
		}
	}
	return best
}

// speedTarget is the line of a contender's ratio against its scenario's fastest baseline.
func speedTarget(res *Results, scenario, name, prefix string, threshold float64, detail string) []Target {
	sc := findScenario(res, scenario)
	c := findContender(res, scenario, prefix)
	if c == nil || c.Ratio <= 0 {
		return nil
	}
	return []Target{{Name: name, Scenario: scenario, Value: c.Ratio, Op: ">=", Threshold: threshold, Detail: detail + paired(c),
		Baseline: timing(fastestBaseline(sc), true), Xcetl: timing(c, c.Baseline || !strings.HasPrefix(c.Name, "xcetl"))}}
}

// paired renders a contender's round-by-round ratios for a speed line's detail.
func paired(c *Contender) string {
	if len(c.RoundRatios) < 2 {
		return ""
	}
	lo, hi := slices.Min(c.RoundRatios), slices.Max(c.RoundRatios)
	return fmt.Sprintf("; paired by round (the baseline's run / the contender's run, round by round): median %.2f (%.2f–%.2f)", c.PairedRatio, lo, hi)
}

// memoryTarget is the line of a contender's peak RSS against limit (MiB).
func memoryTarget(res *Results, scenario, name, prefix string, limit float64, detail string) []Target {
	c := findContender(res, scenario, prefix)
	if c == nil || len(c.Runs) == 0 {
		return nil
	}
	return []Target{{Name: name, Scenario: scenario, Value: c.PeakRSSMiB, Op: "<", Threshold: limit, Detail: detail,
		Baseline: "-", Xcetl: fmt.Sprintf("peak RSS %.1f MiB", c.PeakRSSMiB)}}
}

// judge sets Pass from Value, Op and Threshold. Op "info" is a line without a goal.
func judge(ts []Target) {
	for i := range ts {
		t := &ts[i]
		switch t.Op {
		case ">=":
			t.Pass = t.Value >= t.Threshold
		case "<":
			t.Pass = t.Value < t.Threshold
		case "<=":
			t.Pass = t.Value <= t.Threshold
		case "abs<=":
			t.Pass = t.Value <= t.Threshold && t.Value >= -t.Threshold
		}
	}
}

// printSummary prints the summary table, then each line's detail.
func printSummary(w io.Writer, ts []Target) {
	fmt.Fprintln(w)
	if len(ts) == 0 {
		fmt.Fprintln(w, "no targets evaluated (xcetl was not measured)")
		return
	}
	fmt.Fprintln(w, "== summary: medians over the rounds, (min–max) the spread; ratio = t(baseline) / t(xcetl), above 1 is faster")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tbaseline\txcetl\tratio / value\tgoal\tresult")
	for _, t := range ts {
		verdict, goal, value := "FAIL", "", ""
		if t.Pass {
			verdict = "PASS"
		}
		switch t.Op {
		case "info":
			verdict, goal = "info", "-"
			value = fmt.Sprintf("%.2f", t.Value)
		case "abs<=":
			goal = fmt.Sprintf("within ±%.0f%%", 100*t.Threshold)
			value = fmt.Sprintf("%+.1f%%", 100*t.Value)
		case "<", "<=":
			goal = fmt.Sprintf("%s %.0f", strings.Replace(t.Op, "<=", "≤", 1), t.Threshold)
			value = fmt.Sprintf("%.1f", t.Value)
			if t.Threshold < 1 { // a share: 0.20 is 20%, not "0"
				goal = fmt.Sprintf("%s %.0f%%", strings.Replace(t.Op, "<=", "≤", 1), 100*t.Threshold)
				value = fmt.Sprintf("%.1f%%", 100*t.Value)
			}
		default:
			goal = fmt.Sprintf("%s %.2f", strings.Replace(t.Op, ">=", "≥", 1), t.Threshold)
			value = fmt.Sprintf("%.2f", t.Value)
			if t.Threshold >= 100 {
				goal = fmt.Sprintf("%s %.0f", strings.Replace(t.Op, ">=", "≥", 1), t.Threshold)
				value = fmt.Sprintf("%.0f", t.Value)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, orDash(t.Baseline), orDash(t.Xcetl), value, goal, verdict)
	}
	tw.Flush()
	for _, t := range ts {
		if t.Detail != "" {
			fmt.Fprintf(w, "  %s: %s\n", t.Name, t.Detail)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
