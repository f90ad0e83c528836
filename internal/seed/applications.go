package seed

import (
	"context"
	"time"

	"communs/ent/membershipapplication"
)

// applicationRow is a membership application of the demo: pending ones
// at each step of the instruction, and the approved applications of the
// two newest members.
type applicationRow struct {
	organisation, city, postalCode, representative, function, email string
	category                                                        membershipapplication.RequestedCategory
	appliedOn                                                       string
	status                                                          membershipapplication.Status
	rejection                                                       string
	memberKey                                                       string // the member the approval created
}

var applications = []applicationRow{
	{"Association Les Ajoncs d'Armor", "Saint-Brieuc", "22000", "Gwenaëlle Le Floch", "Présidente", "contact@ajoncs-armor.example",
		membershipapplication.RequestedCategoryUSER, "2025-02-03", membershipapplication.StatusAPPROVED, "", "ajoncs-armor"},
	{"Association Terre d'Accueil en Gâtinais", "Montargis", "45200", "Yvette Moreau", "Présidente", "contact@terre-accueil-gatinais.example",
		membershipapplication.RequestedCategoryUSER, "2025-08-25", membershipapplication.StatusAPPROVED, "", "terre-accueil-gatinais"},
	{"Association Les Hirondelles du Val de Loire", "Blois", "41000", "Martine Chevallier", "Présidente", "contact@hirondelles-loire.example",
		membershipapplication.RequestedCategoryACTIVE, "2026-10-12", membershipapplication.StatusSUBMITTED, "", ""},
	{"Fondation Sainte-Odile pour l'autonomie", "Colmar", "68000", "Étienne Kieffer", "Directeur général", "direction@sainte-odile.example",
		membershipapplication.RequestedCategoryUSER, "2026-09-28", membershipapplication.StatusUNDER_REVIEW, "", ""},
	{"Association Le Fil d'Ariane", "Tarbes", "65000", "Sophie Lacaze", "Présidente", "contact@fil-ariane.example",
		membershipapplication.RequestedCategoryUSER, "2026-06-15", membershipapplication.StatusREJECTED,
		"Les besoins exprimés (gestion de paie) ne relèvent pas des ressources mutualisées par le groupement.", ""},
}

// loadApplications creates the demo applications that are missing.
func (l *loader) loadApplications(ctx context.Context) (added, present int, err error) {
	for _, a := range applications {
		exists, err := l.db.MembershipApplication.Query().
			Where(membershipapplication.OrganisationName(a.organisation)).Exist(ctx)
		if err != nil {
			return added, present, err
		}
		if exists {
			present++
			continue
		}
		applied := day(a.appliedOn)
		create := l.db.MembershipApplication.Create().
			SetOrganisationName(a.organisation).SetLegalForm(assoc).SetSiren(sirenFor(a.organisation)).
			SetStreet("1 place de la Mairie").SetPostalCode(a.postalCode).SetCity(a.city).
			SetRepresentativeName(a.representative).SetRepresentativeFunction(a.function).
			SetContactEmail(a.email).SetRequestedCategory(a.category).SetAppliedOn(applied).
			SetSignerName(a.representative).SetSignedAt(applied.Add(10 * time.Hour)).
			SetNonProfit(true).SetVatSubjectPercent(0).SetStatus(a.status)
		if a.status != membershipapplication.StatusSUBMITTED {
			create.SetReviewedAt(applied.AddDate(0, 0, 14))
		}
		if a.rejection != "" {
			create.SetRejectionReason(a.rejection)
		}
		if a.memberKey != "" {
			create.SetMemberID(l.members[a.memberKey])
		}
		if err := create.Exec(ctx); err != nil {
			return added, present, err
		}
		added++
	}
	return added, present, nil
}
