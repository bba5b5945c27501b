package pages

import (
	"strconv"
	"strings"
)

// CountOf writes n of a kind of item named by its plural, as people
// read it: "1 photo", "4 photos", "1 box", "2 galleries". Item types are
// English plurals chosen by the operator ("photos", "albums", "files");
// the singular is taken off the usual endings.
func CountOf(n int, plural string) string {
	return strconv.Itoa(n) + " " + nounFor(n, plural)
}

func nounFor(n int, plural string) string {
	if n == 1 {
		return singular(plural)
	}
	return plural
}

func singular(plural string) string {
	switch {
	case strings.HasSuffix(plural, "ies") && len(plural) > 3:
		return strings.TrimSuffix(plural, "ies") + "y"
	case strings.HasSuffix(plural, "sses"), strings.HasSuffix(plural, "xes"), strings.HasSuffix(plural, "zes"),
		strings.HasSuffix(plural, "ches"), strings.HasSuffix(plural, "shes"):
		return strings.TrimSuffix(plural, "es")
	case strings.HasSuffix(plural, "s") && !strings.HasSuffix(plural, "ss"):
		return strings.TrimSuffix(plural, "s")
	}
	return plural
}
