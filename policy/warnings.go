package policy

// Warnings lists what is legal in the routes but likely wrong, sorted by
// position: CaseShadows and UnboundItemParams.
func (s *Set) Warnings() []Diagnostic {
	ds := append(s.CaseShadows(), s.UnboundItemParams()...)
	sortDiagnostics(ds)
	return ds
}
