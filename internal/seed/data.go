package seed

import (
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/servicerequest"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
)

// The demo data, modelled on the groupement's published figures (3 founders,
// 17 active members, 31 user members; usage of the main resources). Every
// organisation and person is fictional; e-mail domains use the reserved
// .example TLD. Identifiers (SIREN, RNA, FINESS) are derived from the names
// by ids.go, so reordering a table changes nothing.

// fiscalYear is the year of the cost entries and usage declarations.
const fiscalYear = 2026

// Legal forms.
const (
	assoc      = "Association loi 1901"
	assocLocal = "Association de droit local (Alsace-Moselle)"
	union      = "Union d'associations loi 1901"
	frup       = "Fondation reconnue d'utilité publique"
)

// Regions.
const (
	ara  = "Auvergne-Rhône-Alpes"
	bfc  = "Bourgogne-Franche-Comté"
	bre  = "Bretagne"
	cvl  = "Centre-Val de Loire"
	ge   = "Grand Est"
	hdf  = "Hauts-de-France"
	idf  = "Île-de-France"
	naq  = "Nouvelle-Aquitaine"
	nor  = "Normandie"
	occ  = "Occitanie"
	paca = "Provence-Alpes-Côte d'Azur"
	pdl  = "Pays de la Loire"
)

// Member categories.
const (
	fdr = member.CategoryFOUNDER
	act = member.CategoryACTIVE
	usr = member.CategoryUSER
)

// memberRow is one member. key is the stem of its e-mail domain and the
// name the other tables use for it. places (in its establishments) is not
// stored on the member: it drives the quantities of its usage declaration.
// promoted is set for an ACTIVE member that joined as a USER: the date of
// its move to ACTIVE.
type memberRow struct {
	key, name, form, street, postal, city, region string
	category                                      member.Category
	joined                                        string
	vat                                           float64
	rep, repFunction                              string
	federation                                    bool
	places                                        int64
	promoted                                      string
}

var members = []memberRow{
	// key, name, legal form, street, postal code, city, region, category, joined, VAT %, representative, function, federation, places, promoted
	{"genets-morvan", "Association Les Genêts du Morvan", assoc, "14 rue de la Grange-Vertu", "71400", "Autun", bfc, fdr, "2014-03-12", 4.5, "Hélène Verdier", "Présidente", false, 380, ""},
	{"horizons-solidaires", "Fondation Horizons Solidaires", frup, "3 boulevard de Brosses", "21000", "Dijon", bfc, fdr, "2014-03-12", 12, "Bernard Lachaume", "Président du conseil d'administration", false, 400, ""},
	{"sources-vives", "Association Les Sources Vives", assoc, "27 avenue Fontaine-Argent", "25000", "Besançon", bfc, fdr, "2014-03-12", 0, "Odile Perrin", "Présidente", false, 310, ""},

	{"tilleuls-yonne", "Association Les Tilleuls de l'Yonne", assoc, "8 rue des Moulins", "89000", "Auxerre", bfc, act, "2014-09-22", 2.5, "Gérard Bonnot", "Président", false, 240, ""},
	{"handicap-lorraine", "Association Handi'Cap Lorraine", assoc, "41 rue des Jardiniers", "54000", "Nancy", ge, act, "2015-01-19", 6, "Sylvie Marchal", "Directrice générale", false, 295, ""},
	{"pre-fleuri", "Association Le Pré Fleuri", assocLocal, "5 rue des Vergers", "68100", "Mulhouse", ge, act, "2015-06-08", 0, "Jean-Luc Haller", "Président", false, 160, ""},
	{"saint-aubin", "Fondation Saint-Aubin pour l'enfance", frup, "19 rue des Capucins", "51100", "Reims", ge, act, "2015-11-30", 15.5, "Claire Dumontet", "Directrice générale", false, 210, ""},
	{"escale-jurassienne", "Association L'Escale Jurassienne", assoc, "2 chemin des Salines", "39000", "Lons-le-Saunier", bfc, act, "2016-02-15", 1, "Paul Jeunet", "Président", false, 95, ""},
	{"trait-union-vosges", "Association Trait d'Union Vosges", assoc, "12 quai des Bons-Enfants", "88000", "Épinal", ge, act, "2016-05-23", 3, "Nadia Ferry", "Directrice générale", false, 130, ""},
	{"vallee-ognon", "Association Les Amis de la Vallée de l'Ognon", assoc, "6 rue du Port", "70000", "Vesoul", bfc, act, "2016-10-03", 0, "Marc Girardot", "Président", false, 70, ""},
	{"haut-doubs", "Association Parents et Amis du Haut-Doubs", assoc, "10 rue de la Gare", "25300", "Pontarlier", bfc, act, "2017-01-16", 5, "Anne Cuenot", "Présidente", false, 120, ""},
	{"phare-breton", "Association Le Phare Breton", assoc, "33 rue des Goémoniers", "29200", "Brest", bre, act, "2017-04-10", 8, "Yann Le Gall", "Directeur général", false, 185, ""},
	{"jardins-loire", "Association Les Jardins de la Loire", assoc, "4 promenade de la Baumette", "49000", "Angers", pdl, act, "2017-09-18", 10, "Isabelle Fouquet", "Présidente", false, 150, ""},
	{"accompagner-berry", "Association Accompagner en Berry", assoc, "21 rue des Tanneurs", "18000", "Bourges", cvl, act, "2018-01-29", 2, "Didier Aubrun", "Directeur général", false, 85, ""},
	{"solidarites-rhone-alpes", "Fédération Solidarités Rhône-Alpes", union, "58 cours Gambetta", "69003", "Lyon", ara, act, "2018-06-04", 0, "Martine Gervais", "Présidente", true, 60, ""},
	{"chenes-bresse", "Association Les Chênes de Bresse", assoc, "15 avenue de Marboz", "01000", "Bourg-en-Bresse", ara, act, "2018-11-12", 7.5, "Thierry Pacaud", "Président", false, 140, ""},
	{"envol-picardie", "Association Envol Picardie", assoc, "9 rue des Otages", "80000", "Amiens", hdf, act, "2017-03-06", 4, "Sophie Lecomte", "Directrice générale", false, 110, "2020-06-25"},
	{"passerelle-normande", "Association La Passerelle Normande", assoc, "26 rue Écuyère", "14000", "Caen", nor, act, "2019-05-20", 18, "Olivier Lemarchand", "Directeur général", false, 200, ""},
	{"cap-avenir-occitanie", "Association Cap Avenir Occitanie", assoc, "7 rue des Filatiers", "31000", "Toulouse", occ, act, "2018-09-10", 11, "Karima Benali", "Présidente", false, 175, "2022-06-23"},
	{"oliviers-provence", "Association Les Oliviers de Provence", assoc, "18 chemin des Oliviers", "13100", "Aix-en-Provence", paca, act, "2020-02-03", 9, "Philippe Roux", "Président", false, 125, ""},

	{"abri-montagnard", "Association L'Abri Montagnard", assoc, "3 place des Alpes", "73000", "Chambéry", ara, usr, "2019-03-18", 0, "Bruno Chabert", "Président", false, 45, ""},
	{"coquelicots-limousin", "Association Les Coquelicots du Limousin", assoc, "11 rue des Arènes", "87000", "Limoges", naq, usr, "2019-10-07", 3.5, "Nathalie Faure", "Présidente", false, 65, ""},
	{"pierre-lumiere", "Association Pierre et Lumière", assoc, "24 rue de la Cathédrale", "86000", "Poitiers", naq, usr, "2020-01-13", 0, "Alain Brunet", "Président", false, 38, ""},
	{"mouettes-opale", "Association Les Mouettes de la Côte d'Opale", assoc, "6 boulevard Sainte-Beuve", "62200", "Boulogne-sur-Mer", hdf, usr, "2020-05-25", 6, "Valérie Dufour", "Directrice générale", false, 90, ""},
	{"maison-aulnes", "Fondation Maison des Aulnes", frup, "40 rue de Bourgogne", "45000", "Orléans", cvl, usr, "2020-09-14", 14, "Henri de Vaulx", "Président du conseil d'administration", false, 260, ""},
	{"vivre-ensemble-champagne", "Association Vivre Ensemble en Champagne", assoc, "13 rue Émile-Zola", "10000", "Troyes", ge, usr, "2021-01-11", 2, "Catherine Michaud", "Présidente", false, 55, ""},
	{"hirondelles-auvergne", "Association Les Hirondelles d'Auvergne", assoc, "22 rue Blatin", "63000", "Clermont-Ferrand", ara, usr, "2015-09-21", 0, "Michel Fabre", "Président", false, 75, ""},
	{"espoir-ardennes", "Association Espoir Ardennes", assoc, "5 rue du Petit-Bois", "08000", "Charleville-Mézières", ge, usr, "2016-03-14", 1.5, "Denise Collard", "Présidente", false, 48, ""},
	{"fil-ariane", "Association Le Fil d'Ariane", assoc, "30 rue de l'Aiguillerie", "34000", "Montpellier", occ, usr, "2016-11-07", 5, "Laurent Pujol", "Directeur général", false, 105, ""},
	{"arc-en-ciel-savoie", "Association Arc-en-Ciel Savoyard", assoc, "17 avenue de Genève", "74000", "Annecy", ara, usr, "2017-06-12", 0, "Françoise Mugnier", "Présidente", false, 32, ""},
	{"ateliers-val-saone", "Association Les Ateliers du Val de Saône", assoc, "9 quai Gambetta", "71100", "Chalon-sur-Saône", bfc, usr, "2017-10-23", 19.5, "Robert Lamy", "Président", false, 120, ""},
	{"solidarite-bourbonnais", "Association Solidarité Handicap Bourbonnais", assoc, "4 rue de Paris", "03000", "Moulins", ara, usr, "2018-02-19", 3, "Josiane Bardet", "Présidente", false, 58, ""},
	{"bruyeres-nivernais", "Association Les Bruyères du Nivernais", assoc, "16 rue du Rempart", "58000", "Nevers", bfc, usr, "2018-04-16", 0, "André Blondeau", "Président", false, 40, ""},
	{"relais-alsacien", "Association Le Relais Alsacien", assocLocal, "28 rue du Faubourg-National", "67000", "Strasbourg", ge, usr, "2018-10-01", 7, "Christine Weber", "Directrice générale", false, 220, ""},
	{"entraide-grand-ouest", "Fédération Entraide Grand Ouest", union, "12 rue de Brest", "35000", "Rennes", bre, usr, "2019-01-21", 0, "Patrick Le Bihan", "Président", true, 25, ""},
	{"roseraie-touraine", "Association La Roseraie de Touraine", assoc, "35 rue Colbert", "37000", "Tours", cvl, usr, "2019-06-17", 4, "Monique Tessier", "Présidente", false, 88, ""},
	{"marronniers-metz", "Association Les Marronniers", assocLocal, "7 rue des Jardins", "57000", "Metz", ge, usr, "2019-11-25", 2, "François Klein", "Président", false, 135, ""},
	{"autonomie-citoyennete", "Association Autonomie et Citoyenneté", assoc, "50 rue Nationale", "59000", "Lille", hdf, usr, "2020-03-09", 12, "Samia Haddad", "Directrice générale", false, 310, ""},
	{"ecureuils-jura", "Association Les Écureuils du Jura", assoc, "1 rue des Arènes", "39100", "Dole", bfc, usr, "2020-11-16", 0, "Jacques Bourgeois", "Président", false, 28, ""},
	{"etoile-berger", "Association L'Étoile du Berger", assoc, "63 cours de l'Argonne", "33000", "Bordeaux", naq, usr, "2021-04-12", 6.5, "Élodie Castaing", "Présidente", false, 145, ""},
	{"charmilles-rouen", "Association Les Charmilles", assoc, "20 rue des Charrettes", "76000", "Rouen", nor, usr, "2021-09-27", 1, "Hervé Duval", "Président", false, 62, ""},
	{"moulin-sarthe", "Association Le Moulin de la Sarthe", assoc, "8 rue du Port", "72000", "Le Mans", pdl, usr, "2022-01-17", 3, "Agnès Pelletier", "Présidente", false, 78, ""},
	{"horizon-bleu", "Association Horizon Bleu", assoc, "44 avenue Borriglione", "06000", "Nice", paca, usr, "2022-05-09", 16, "Lionel Giordano", "Directeur général", false, 165, ""},
	{"lucien-marchal", "Fondation Lucien-Marchal pour l'insertion", frup, "91 rue d'Alésia", "75014", "Paris", idf, usr, "2022-10-03", 13, "Éric Lambert", "Président du conseil d'administration", false, 340, ""},
	{"saules-creteil", "Association Les Saules", assoc, "15 avenue du Général-de-Gaulle", "94000", "Créteil", idf, usr, "2023-02-13", 4.5, "Fatima Ouali", "Directrice générale", false, 92, ""},
	{"grandir-val-oise", "Association Grandir Ensemble Val-d'Oise", assoc, "3 boulevard de l'Oise", "95000", "Cergy", idf, usr, "2023-06-19", 0, "Stéphane Morel", "Président", false, 70, ""},
	{"iris-bearn", "Association Les Iris du Béarn", assoc, "27 rue Carnot", "64000", "Pau", naq, usr, "2024-01-22", 2, "Marie-Pierre Lacoste", "Présidente", false, 54, ""},
	{"lavandes-vaucluse", "Association Les Lavandes", assoc, "12 rue Joseph-Vernet", "84000", "Avignon", paca, usr, "2024-05-13", 8, "Sandrine Rey", "Présidente", false, 66, ""},
	{"foyers-vie-bourgogne", "Fédération des Foyers de Vie de Bourgogne", union, "6 rue de Strasbourg", "71000", "Mâcon", bfc, usr, "2024-09-30", 0, "Daniel Gauthier", "Président", true, 20, ""},
	{"ajoncs-armor", "Association Les Ajoncs d'Armor", assoc, "10 rue de Gouët", "22000", "Saint-Brieuc", bre, usr, "2025-03-10", 5, "Gwenaëlle Le Floch", "Présidente", false, 42, ""},
	{"terre-accueil-gatinais", "Association Terre d'Accueil en Gâtinais", assoc, "2 rue du Loing", "45200", "Montargis", cvl, usr, "2025-09-15", 0, "Yvette Moreau", "Présidente", false, 36, ""},
}

// categoryRow is a node of the catalogue's tree; parents come first.
type categoryRow struct{ code, name, parent, description string }

var categories = []categoryRow{
	{"LOGICIELS", "Logiciels métier", "", "Applications mutualisées pour l'accompagnement des usagers et le pilotage des organismes."},
	{"LOGICIELS-USAGERS", "Accompagnement des usagers", "LOGICIELS", "Dossier de l'usager et mesure de l'activité."},
	{"LOGICIELS-PILOTAGE", "Pilotage et gestion", "LOGICIELS", "Référentiels, tableaux de bord et outils de dialogue de gestion."},
	{"LOGICIELS-COLLABORATIFS", "Outils collaboratifs", "LOGICIELS", "Messagerie, agendas et enquêtes."},
	{"INFRASTRUCTURE", "Infrastructure", "", "Hébergement des applications et des données des membres."},
	{"SERVICES", "Services", "", "Exploitation et accompagnement assurés par l'équipe du groupement."},
	{"SERVICES-CONSEIL", "Conseil et accompagnement", "SERVICES", "Diagnostics, schémas directeurs et accompagnement des équipes, facturés au temps passé."},
	{"FORMATION", "Formation", "", "Sessions de formation aux outils du groupement."},
}

// Resource codes.
const (
	gestusa     = "GESTUSA"
	gestetab    = "GESTETAB"
	sages       = "SAGES"
	gestactiv   = "GESTACTIV"
	cpom        = "CPOM"
	messagerie  = "MESSAGERIE"
	hebergement = "HEBERGEMENT"
	infogerance = "INFOGERANCE"
	diagFlash   = "DIAG-FLASH"
	sdsi        = "SDSI"
	recrutement = "RECRUTEMENT"
	enquetes    = "ENQUETES"
	formation   = "FORMATION"
	bdes        = "BDES"
)

type resourceRow struct {
	code, name, category string
	kind                 resource.Kind
	unit                 resource.UsageUnit
	key                  resource.AllocationKey
	personal, health     bool
	description          string
}

const (
	software = resource.KindSOFTWARE
	infra    = resource.KindINFRASTRUCTURE
	service  = resource.KindSERVICE
	training = resource.KindTRAINING

	equal   = resource.AllocationKeyEQUAL
	proRata = resource.AllocationKeyPRO_RATA
	direct  = resource.AllocationKeyDIRECT
)

var resources = []resourceRow{
	{gestusa, "Dossier de l'usager (Gestusa)", "LOGICIELS-USAGERS", software, resource.UsageUnitPLACES, proRata, true, true,
		"Dossier informatisé de l'usager : admissions et sorties, projet personnalisé, besoins et prestations selon la nomenclature SERAFIN-PH, écrits professionnels et consentements."},
	{gestetab, "Annuaire des établissements (Gestetab)", "LOGICIELS-PILOTAGE", software, resource.UsageUnitPLACES, proRata, true, false,
		"Annuaire des établissements et services de chaque membre : numéros FINESS, capacités autorisées par type d'accueil, directions et adresses, reprise de l'extraction FINESS."},
	{sages, "Tableau de bord de gestion (Sages)", "LOGICIELS-PILOTAGE", software, resource.UsageUnitFLAT, equal, false, false,
		"Tableau de bord des directions : indicateurs d'activité, de ressources humaines et financiers, consolidés par établissement."},
	{gestactiv, "Mesure de l'activité (Gestactiv)", "LOGICIELS-USAGERS", software, resource.UsageUnitPLACES, proRata, true, true,
		"Mesure de l'activité des établissements : présences, journées réalisées, actes et prestations, pour les rapports d'activité et les autorités de tarification."},
	{cpom, "Suivi des CPOM", "LOGICIELS-PILOTAGE", software, resource.UsageUnitFLAT, equal, false, false,
		"Suivi des contrats pluriannuels d'objectifs et de moyens : fiches actions, indicateurs, échéances et dialogue de gestion avec les autorités."},
	{messagerie, "Messagerie collaborative", "LOGICIELS-COLLABORATIFS", software, resource.UsageUnitMAILBOXES, proRata, true, false,
		"Messagerie, agendas partagés et carnets d'adresses hébergés par le groupement, avec antispam et archivage."},
	{hebergement, "Hébergement des données", "INFRASTRUCTURE", infra, resource.UsageUnitGIGABYTES, proRata, true, true,
		"Hébergement des applications et des données des membres chez un hébergeur certifié de données de santé (HDS), sauvegardes externalisées comprises."},
	{infogerance, "Infogérance", "SERVICES", service, resource.UsageUnitDEVICES, proRata, false, false,
		"Exploitation du parc informatique des membres : supervision, mises à jour, assistance aux utilisateurs et gestion des postes de travail."},
	{diagFlash, "Diagnostic flash", "SERVICES-CONSEIL", service, resource.UsageUnitFLAT, direct, false, false,
		"Diagnostic rapide du système d'information d'un membre en deux à trois jours : état des lieux, risques, priorités et recommandations."},
	{sdsi, "Accompagnement au schéma directeur des systèmes d'information (40 à 80 jours)", "SERVICES-CONSEIL", service, resource.UsageUnitDAYS, direct, false, false,
		"Accompagnement à l'élaboration du schéma directeur du système d'information, de l'état des lieux à la feuille de route : 40 à 80 jours selon la taille de l'organisme."},
	{recrutement, "Accompagnement au recrutement et coaching", "SERVICES-CONSEIL", service, resource.UsageUnitDAYS, direct, false, false,
		"Aide au recrutement des profils informatiques (fiche de poste, sélection, entretiens) et coaching des responsables des systèmes d'information."},
	{enquetes, "Enquêtes en ligne", "LOGICIELS-COLLABORATIFS", software, resource.UsageUnitFLAT, equal, false, false,
		"Création et diffusion de questionnaires en ligne (satisfaction des usagers et des familles, enquêtes internes) avec restitution des résultats."},
	{formation, "Formations", "FORMATION", training, resource.UsageUnitPARTICIPANTS, proRata, false, false,
		"Sessions de formation aux outils du groupement et à la bureautique, en présentiel ou à distance."},
	{bdes, "Informatique décisionnelle — BDES", "LOGICIELS-PILOTAGE", software, resource.UsageUnitFLAT, equal, false, false,
		"Base de données économiques, sociales et environnementales alimentée à partir des données de paie et de gestion, pour le dialogue social."},
}

// subRow is a subscription. For ACTIVE and ENDED rows, on is starts_on; the
// request was made two months earlier and the convention signed two weeks
// before the start. For REQUESTED rows, on is requested_on and nothing else
// is set yet.
type subRow struct {
	resource, member string
	status           subscription.Status
	on, ends         string
}

const (
	active    = subscription.StatusACTIVE
	requested = subscription.StatusREQUESTED
	ended     = subscription.StatusENDED
)

// subscriptions match the published usage: user record 4 members,
// directory 5, dashboard 1, activity 1, messaging 3, hosting 3, managed IT
// 3, diagnostic flash 10.
var subscriptions = []subRow{
	{gestusa, "genets-morvan", active, "2015-01-05", ""},
	{gestusa, "horizons-solidaires", active, "2015-03-02", ""},
	{gestusa, "sources-vives", active, "2015-09-01", ""},
	{gestusa, "tilleuls-yonne", active, "2019-01-07", ""},

	{gestetab, "genets-morvan", active, "2016-01-04", ""},
	{gestetab, "horizons-solidaires", active, "2016-01-04", ""},
	{gestetab, "sources-vives", active, "2016-06-01", ""},
	{gestetab, "handicap-lorraine", active, "2021-09-01", ""},
	{gestetab, "escale-jurassienne", active, "2026-03-02", ""},

	{sages, "horizons-solidaires", active, "2017-01-02", ""},

	{gestactiv, "genets-morvan", active, "2020-01-06", ""},

	{messagerie, "sources-vives", active, "2018-04-03", ""},
	{messagerie, "pre-fleuri", active, "2019-10-01", ""},
	{messagerie, "saint-aubin", active, "2022-02-01", ""},

	{hebergement, "genets-morvan", active, "2015-01-05", ""},
	{hebergement, "horizons-solidaires", active, "2015-03-02", ""},
	{hebergement, "sources-vives", active, "2016-01-04", ""},

	{infogerance, "genets-morvan", active, "2017-07-03", ""},
	{infogerance, "trait-union-vosges", active, "2020-03-02", ""},
	{infogerance, "vallee-ognon", active, "2023-01-02", ""},

	{diagFlash, "abri-montagnard", ended, "2025-03-03", "2025-04-30"},
	{diagFlash, "coquelicots-limousin", ended, "2025-05-05", "2025-06-27"},
	{diagFlash, "haut-doubs", active, "2026-01-12", ""},
	{diagFlash, "phare-breton", active, "2026-01-19", ""},
	{diagFlash, "jardins-loire", active, "2026-02-02", ""},
	{diagFlash, "accompagner-berry", active, "2026-02-16", ""},
	{diagFlash, "pierre-lumiere", active, "2026-03-02", ""},
	{diagFlash, "mouettes-opale", active, "2026-03-16", ""},
	{diagFlash, "maison-aulnes", active, "2026-04-06", ""},
	{diagFlash, "vivre-ensemble-champagne", active, "2026-04-20", ""},

	{cpom, "solidarites-rhone-alpes", active, "2019-09-02", ""},
	{cpom, "chenes-bresse", active, "2021-01-04", ""},
	{cpom, "envol-picardie", requested, "2026-02-09", ""},

	{enquetes, "hirondelles-auvergne", active, "2019-02-04", ""},
	{enquetes, "espoir-ardennes", active, "2019-05-06", ""},
	{enquetes, "fil-ariane", active, "2020-01-06", ""},
	{enquetes, "passerelle-normande", active, "2020-09-01", ""},
	{enquetes, "oliviers-provence", active, "2021-03-01", ""},
	{enquetes, "arc-en-ciel-savoie", active, "2021-06-01", ""},
	{enquetes, "ateliers-val-saone", active, "2022-03-01", ""},
	{enquetes, "cap-avenir-occitanie", active, "2022-10-03", ""},
	{enquetes, "lavandes-vaucluse", active, "2025-01-06", ""},
	{enquetes, "iris-bearn", requested, "2026-01-26", ""},

	{formation, "tilleuls-yonne", active, "2018-01-08", ""},
	{formation, "handicap-lorraine", active, "2018-01-08", ""},
	{formation, "cap-avenir-occitanie", active, "2019-01-07", ""},
	{formation, "solidarite-bourbonnais", active, "2019-01-07", ""},
	{formation, "bruyeres-nivernais", active, "2019-01-07", ""},
	{formation, "relais-alsacien", active, "2020-01-06", ""},
	{formation, "entraide-grand-ouest", active, "2020-01-06", ""},
	{formation, "envol-picardie", active, "2021-01-04", ""},
	{formation, "roseraie-touraine", active, "2021-01-04", ""},
	{formation, "marronniers-metz", active, "2021-01-04", ""},
	{formation, "autonomie-citoyennete", active, "2021-01-04", ""},
	{formation, "ecureuils-jura", active, "2022-01-03", ""},
	{formation, "etoile-berger", active, "2022-01-03", ""},
	{formation, "charmilles-rouen", active, "2023-01-02", ""},
	{formation, "moulin-sarthe", active, "2023-01-02", ""},
	{formation, "foyers-vie-bourgogne", requested, "2026-01-12", ""},

	{bdes, "saint-aubin", active, "2020-01-06", ""},
	{bdes, "passerelle-normande", active, "2021-01-04", ""},
	{bdes, "horizon-bleu", requested, "2026-03-09", ""},

	{sdsi, "solidarites-rhone-alpes", active, "2025-10-06", ""},
	{sdsi, "lucien-marchal", active, "2026-01-05", ""},

	{recrutement, "saules-creteil", active, "2026-02-02", ""},
	{recrutement, "grandir-val-oise", requested, "2026-02-23", ""},
}

// costRow is a common cost of a resource for the fiscal year, budgeted and
// actual, in cents.
type costRow struct {
	resource       string
	costType       costentry.CostType
	label          string
	budget, actual int64
}

const (
	usage       = costentry.CostTypeUSAGE
	maintenance = costentry.CostTypeMAINTENANCE
)

var commonCosts = []costRow{
	{gestusa, usage, "Amortissement du développement du dossier de l'usager", 8_450_000, 8_621_347},
	{gestusa, maintenance, "Maintenance applicative et support", 3_120_000, 2_987_413},
	{gestusa, maintenance, "Hébergement et exploitation", 1_260_000, 1_298_159},
	{gestetab, usage, "Amortissement de l'annuaire des établissements", 1_840_000, 1_795_631},
	{gestetab, maintenance, "Maintenance et mise à jour FINESS", 780_000, 812_377},
	{sages, usage, "Amortissement du tableau de bord", 1_200_000, 1_234_789},
	{sages, maintenance, "Maintenance des indicateurs", 450_000, 441_805},
	{gestactiv, usage, "Amortissement de la mesure de l'activité", 2_275_000, 2_310_653},
	{gestactiv, maintenance, "Maintenance applicative", 630_000, 657_791},
	{cpom, usage, "Amortissement de l'outil de suivi des CPOM", 960_000, 941_236},
	{cpom, maintenance, "Maintenance et assistance", 240_000, 251_903},
	{messagerie, usage, "Licences de messagerie collaborative", 1_425_000, 1_498_641},
	{messagerie, maintenance, "Administration, antispam et archivage", 510_000, 487_329},
	{hebergement, usage, "Amortissement des serveurs et du stockage", 4_130_000, 4_206_517},
	{hebergement, maintenance, "Exploitation du centre de données (HDS)", 2_780_000, 2_844_987},
	{infogerance, usage, "Outils de supervision et d'inventaire", 390_000, 403_111},
	{infogerance, maintenance, "Techniciens d'exploitation et supervision", 5_800_000, 5_671_294},
	{enquetes, usage, "Licence de la plateforme d'enquêtes", 360_000, 347_218},
	{enquetes, maintenance, "Assistance à la conception des questionnaires", 90_000, 101_367},
	{formation, usage, "Conception et animation des sessions", 1_680_000, 1_723_333},
	{bdes, usage, "Amortissement de l'entrepôt décisionnel", 1_120_000, 1_089_457},
	{bdes, maintenance, "Alimentation et maintenance des flux de paie", 330_000, 341_002},
}

// directCostRow is a cost borne by one member (allocation key DIRECT).
type directCostRow struct {
	resource, member, label string
	budget, actual          int64
}

var directCosts = []directCostRow{
	{diagFlash, "haut-doubs", "Diagnostic flash — 3 jours de consultant", 195_000, 188_745},
	{diagFlash, "phare-breton", "Diagnostic flash — 3 jours de consultant", 195_000, 210_420},
	{diagFlash, "jardins-loire", "Diagnostic flash — 3 jours de consultant", 195_000, 201_315},
	{diagFlash, "accompagner-berry", "Diagnostic flash — 3 jours de consultant", 195_000, 182_690},
	{diagFlash, "pierre-lumiere", "Diagnostic flash — 2 jours de consultant", 130_000, 136_550},
	{diagFlash, "mouettes-opale", "Diagnostic flash — 3 jours de consultant", 195_000, 197_815},
	{diagFlash, "maison-aulnes", "Diagnostic flash — 3 jours de consultant", 195_000, 229_463},
	{diagFlash, "vivre-ensemble-champagne", "Diagnostic flash — 2 jours de consultant", 130_000, 124_205},
	{sdsi, "solidarites-rhone-alpes", "Schéma directeur — 60 jours de consultant", 3_720_000, 3_941_580},
	{sdsi, "lucien-marchal", "Schéma directeur — 45 jours de consultant", 2_790_000, 2_673_335},
	{recrutement, "saules-creteil", "Recrutement d'un responsable informatique et coaching — 8 jours", 496_000, 531_264},
}

// Declaration statuses other than VALIDATED, by member; returnComment goes
// with the RETURNED one.
var declarationStatus = map[string]usagedeclaration.Status{
	"cap-avenir-occitanie": usagedeclaration.StatusSUBMITTED,
	"relais-alsacien":      usagedeclaration.StatusSUBMITTED,
	"etoile-berger":        usagedeclaration.StatusSUBMITTED,
	"moulin-sarthe":        usagedeclaration.StatusSUBMITTED,
	"trait-union-vosges":   usagedeclaration.StatusRETURNED,
	"ecureuils-jura":       usagedeclaration.StatusDRAFT,
	"charmilles-rouen":     usagedeclaration.StatusDRAFT,
	"lavandes-vaucluse":    usagedeclaration.StatusDRAFT,
}

const returnComment = "Le nombre de postes déclaré pour l'infogérance ne correspond pas à l'inventaire " +
	"du 1er janvier 2026 (41 postes supervisés) : merci de le corriger et de soumettre à nouveau la fiche."

// quantity is a member's plausible declared usage of a resource, derived
// from the places in its establishments.
func quantity(unit resource.UsageUnit, places int64) int64 {
	switch unit {
	case resource.UsageUnitPLACES:
		return places
	case resource.UsageUnitMAILBOXES:
		return min(max(places*3/4, 10), 300)
	case resource.UsageUnitGIGABYTES:
		return min(max(places*5, 50), 2000)
	case resource.UsageUnitDEVICES:
		return places/4 + 6
	case resource.UsageUnitPARTICIPANTS:
		return 2 + places%9
	default: // FLAT
		return 1
	}
}

// serviceRequestRow is a startup or supplementary service.
type serviceRequestRow struct {
	member, resource, title, description string
	supplementary                        bool
	status                               servicerequest.Status
	estimatedMinutes                     int
	estimatedAmount                      int64
	agreedAt, agreedBy                   string // RFC 3339; empty when not agreed yet
	time                                 []timeRow
}

type timeRow struct {
	staff, on string
	minutes   int
	rate      int64 // cents per hour
	note      string
}

const hourlyRate = 7_250 // 72,50 € an hour

var serviceRequests = []serviceRequestRow{
	{
		member: "escale-jurassienne", resource: gestetab,
		title:       "Mise en service de l'annuaire des établissements",
		description: "Installation, paramétrage des établissements et services, reprise de l'extraction FINESS et transfert de compétences à l'équipe du siège.",
		status:      servicerequest.StatusIN_PROGRESS, estimatedMinutes: 4 * 7 * 60, estimatedAmount: 28 * hourlyRate,
		agreedAt: "2026-02-10T09:30:00Z", agreedBy: "Paul Jeunet, président",
		time: []timeRow{
			{"Camille Roux", "2026-02-24", 420, hourlyRate, "Installation et paramétrage des établissements"},
			{"Camille Roux", "2026-02-25", 390, hourlyRate, "Reprise de l'extraction FINESS et contrôle des capacités"},
			{"Julien Marchetti", "2026-03-03", 210, hourlyRate, "Formation des utilisateurs du siège"},
		},
	},
	{
		member: "solidarites-rhone-alpes", resource: cpom, supplementary: true,
		title:       "Export des indicateurs CPOM vers le tableau de bord de l'ARS",
		description: "Développement spécifique : extraction trimestrielle des indicateurs du CPOM au format attendu par l'agence régionale de santé. Devis technique et financier soumis à l'accord préalable du membre.",
		status:      servicerequest.StatusESTIMATED, estimatedMinutes: 9 * 7 * 60, estimatedAmount: 63 * hourlyRate,
	},
}

// GSM staff and members' project leads are fictional too.
var (
	leadFirstNames = []string{"Camille", "Nicolas", "Aurélie", "Sébastien", "Julie", "Thomas", "Céline", "Mathieu", "Émilie", "Romain", "Laetitia", "Guillaume", "Sandrine", "Vincent", "Karine", "Frédéric", "Amandine"}
	leadLastNames  = []string{"Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roussel", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Blanc", "Guérin", "Boyer"}
)
