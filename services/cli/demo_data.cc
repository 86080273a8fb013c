#include "demo_data.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ipraktik::cli::demo {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// A workplace of the demo: its units host offers, its staff sign up.
struct Place {
  std::string_view name;
  v1::Sector sector;
  std::string_view region;
  std::string_view municipality;
  std::string_view mail_domain;  // staff addresses: fornavn.efternavn@<domain>
  std::string_view address;
  std::vector<std::string_view> units;   // one host offer each (the first ones the round uses)
  std::vector<std::string_view> fields;  // fagområder of its offers
};

constexpr v1::Sector kMunicipal = v1::SECTOR_MUNICIPAL;
constexpr v1::Sector kRegional = v1::SECTOR_REGIONAL;
constexpr v1::Sector kState = v1::SECTOR_STATE;
constexpr v1::Sector kPrivate = v1::SECTOR_PRIVATE;

// The national programme's workplaces: municipalities, regions, state agencies and (since 2019)
// private companies (made up).
const std::vector<Place>& NationalPlaces() {
  static const std::vector<Place> kPlaces = {
      {"Københavns Kommune, Socialforvaltningen",
       kMunicipal,
       "Hovedstaden",
       "København",
       "kk.example",
       "Bernstorffsgade 17, 1592 København V",
       {"Viden i Anvendelse", "Børne- og Ungerådgivningen"},
       {"socialområdet", "videndeling"}},
      {"Dragør Kommune, Direktionen",
       kMunicipal,
       "Hovedstaden",
       "Dragør",
       "dragoer.example",
       "Kirkevej 7, 2791 Dragør",
       {"Kommunaldirektørens sekretariat"},
       {"ledelse"}},
      {"Dragør Kommune, Personaleafdelingen",
       kMunicipal,
       "Hovedstaden",
       "Dragør",
       "dragoer.example",
       "Kirkevej 7, 2791 Dragør",
       {"Personale og Løn"},
       {"HR"}},
      {"Ringkøbing-Skjern Kommune, HR og Udvikling",
       kMunicipal,
       "Midtjylland",
       "Ringkøbing-Skjern",
       "rksk.example",
       "Ved Fjorden 6, 6950 Ringkøbing",
       {"HR og Udvikling", "Rekruttering"},
       {"HR", "ledelse"}},
      {"Gladsaxe Kommune, Direktionen",
       kMunicipal,
       "Hovedstaden",
       "Gladsaxe",
       "gladsaxe.example",
       "Rådhus Allé 7, 2860 Søborg",
       {"Direktionssekretariatet"},
       {"ledelse", "økonomi"}},
      {"Aarhus Kommune, Borgerservice",
       kMunicipal,
       "Midtjylland",
       "Aarhus",
       "aarhus.example",
       "Hack Kampmanns Plads 2, 8000 Aarhus C",
       {"Borgerservice, Dokk1", "Digital Borgerservice"},
       {"borgerservice", "digitalisering"}},
      {"Odense Kommune, Ældre- og Handicapforvaltningen",
       kMunicipal,
       "Syddanmark",
       "Odense",
       "odense.example",
       "Ørbækvej 100, 5220 Odense SØ",
       {"Velfærdsteknologi", "Hjemmeplejen Syd"},
       {"ældreområdet", "velfærdsteknologi"}},
      {"Aalborg Kommune, Jobcenter",
       kMunicipal,
       "Nordjylland",
       "Aalborg",
       "aalborg.example",
       "Kayerødsgade 6, 9000 Aalborg",
       {"Virksomhedsservice", "Ungeindsatsen"},
       {"beskæftigelse"}},
      {"Silkeborg Kommune, Sundhedsplejen",
       kMunicipal,
       "Midtjylland",
       "Silkeborg",
       "silkeborg.example",
       "Søvej 1, 8600 Silkeborg",
       {"Familieiværksætterne"},
       {"sundhed", "børn og familie"}},
      {"Roskilde Kommune, Teknik og Miljø",
       kMunicipal,
       "Sjælland",
       "Roskilde",
       "roskilde.example",
       "Køgevej 80, 4000 Roskilde",
       {"Klima og Bæredygtighed", "Byggesag"},
       {"klima og miljø"}},
      {"Esbjerg Kommune, Skole og Dagtilbud",
       kMunicipal,
       "Syddanmark",
       "Esbjerg",
       "esbjerg.example",
       "Torvegade 74, 6700 Esbjerg",
       {"Pædagogisk Udvikling"},
       {"skole og dagtilbud"}},
      {"Frederiksberg Kommune, Digitalisering",
       kMunicipal,
       "Hovedstaden",
       "Frederiksberg",
       "frederiksberg.example",
       "Smallegade 1, 2000 Frederiksberg",
       {"Digital Udvikling", "Data og Analyse"},
       {"digitalisering"}},
      {"Næstved Kommune, Sundhed og Ældre",
       kMunicipal,
       "Sjælland",
       "Næstved",
       "naestved.example",
       "Rådmandshaven 20, 4700 Næstved",
       {"Sundhedshuset"},
       {"sundhed", "ældreområdet"}},
      {"Region Hovedstaden, Center for HR og Uddannelse",
       kRegional,
       "Hovedstaden",
       "Hillerød",
       "regionh.example",
       "Kongens Vænge 2, 3400 Hillerød",
       {"Lederudvikling", "Uddannelse"},
       {"HR", "ledelse"}},
      {"Region Midtjylland, Regionshospitalet Gødstrup",
       kRegional,
       "Midtjylland",
       "Herning",
       "rm.example",
       "Hospitalsparken 15, 7400 Herning",
       {"Kvalitet og Patientsikkerhed", "Akutafdelingen"},
       {"sundhed"}},
      {"Region Syddanmark, Psykiatrien",
       kRegional,
       "Syddanmark",
       "Vejle",
       "rsyd.example",
       "Kabbeltoft 25, 7100 Vejle",
       {"Udvikling og Forskning"},
       {"psykiatri", "sundhed"}},
      {"Region Nordjylland, Regional Udvikling",
       kRegional,
       "Nordjylland",
       "Aalborg",
       "rn.example",
       "Niels Bohrs Vej 30, 9220 Aalborg Øst",
       {"Trafik og Mobilitet"},
       {"regional udvikling", "klima og miljø"}},
      {"Region Sjælland, Sygehus Syd",
       kRegional,
       "Sjælland",
       "Næstved",
       "regionsjaelland.example",
       "Ringstedgade 61, 4700 Næstved",
       {"Patientforløb"},
       {"sundhed"}},
      {"Finansministeriet, Center for Kommuneøkonomi og Regioner",
       kState,
       "Hovedstaden",
       "København",
       "fm.example",
       "Christiansborg Slotsplads 1, 1218 København K",
       {"Kommuneøkonomi"},
       {"økonomi"}},
      {"Styrelsen for It og Læring",
       kState,
       "Hovedstaden",
       "København",
       "stil.example",
       "Vester Voldgade 123, 1552 København V",
       {"Digital Læring", "Brugerindsigt"},
       {"digitalisering", "skole og dagtilbud"}},
      {"Rigspolitiet, National Kriminalteknisk Center",
       kState,
       "Hovedstaden",
       "Ballerup",
       "politi.example",
       "Telegrafvej 2, 2750 Ballerup",
       {"Gerningsstedsafdelingen"},
       {"politi og tryghed"}},
      {"Skattestyrelsen, Kundeservice",
       kState,
       "Midtjylland",
       "Ringkøbing-Skjern",
       "sktst.example",
       "Østergade 39, 6950 Ringkøbing",
       {"Borgerkontakt"},
       {"borgerservice"}},
      {"Digitaliseringsstyrelsen",
       kState,
       "Hovedstaden",
       "København",
       "digst.example",
       "Landgreven 4, 1301 København K",
       {"Digital Post", "Offentlig Digitalisering"},
       {"digitalisering"}},
      {"Social- og Boligstyrelsen",
       kState,
       "Syddanmark",
       "Odense",
       "sbst.example",
       "Edisonsvej 18, 5000 Odense C",
       {"Socialfaglig Rådgivning"},
       {"socialområdet"}},
      {"Styrelsen for Arbejdsmarked og Rekruttering",
       kState,
       "Hovedstaden",
       "København",
       "star.example",
       "Carl Jacobsens Vej 39, 2500 Valby",
       {"Analyse og Effekt"},
       {"beskæftigelse", "økonomi"}},
      {"Nordlys Læringsteknologi ApS",
       kPrivate,
       "Midtjylland",
       "Aarhus",
       "nordlys.example",
       "Åboulevarden 40, 8000 Aarhus C",
       {"Produktudvikling"},
       {"digitalisering", "skole og dagtilbud"}},
      {"Klarsyn Rådgivning A/S",
       kPrivate,
       "Hovedstaden",
       "København",
       "klarsyn.example",
       "Store Kongensgade 60, 1264 København K",
       {"Offentlig Strategi"},
       {"ledelse"}},
      {"Vestkyst Velfærdsteknologi ApS",
       kPrivate,
       "Syddanmark",
       "Esbjerg",
       "vestkyst.example",
       "Havnegade 10, 6700 Esbjerg",
       {"Udvikling og Test"},
       {"velfærdsteknologi", "ældreområdet"}},
      {"Brobyg Data A/S",
       kPrivate,
       "Nordjylland",
       "Aalborg",
       "brobyg.example",
       "Strandvejen 12, 9000 Aalborg",
       {"Dataplatforme"},
       {"digitalisering"}},
  };
  return kPlaces;
}

Place Local(std::string_view name, std::string_view region, std::string_view municipality,
            std::string_view domain, std::string_view address, std::string_view unit,
            std::vector<std::string_view> fields, v1::Sector sector = kMunicipal) {
  return {name, sector, region, municipality, domain, address, {unit}, std::move(fields)};
}

// Holstebro Kommune's own units (the lynpraktik is inside the municipality).
const std::vector<Place>& HolstebroPlaces() {
  static const std::vector<Place> kPlaces = [] {
    const auto unit = [](std::string_view name, std::string_view title,
                         std::vector<std::string_view> fields) {
      return Local(name, "Midtjylland", "Holstebro", "holstebro.example",
                   "Kirkestræde 11, 7500 Holstebro", title, std::move(fields));
    };
    return std::vector<Place>{
        unit("Holstebro Kommune, Det Gode Køkken", "Det Gode Køkken", {"køkken og kantine"}),
        unit("Holstebro Kommune, Rådhusets kantine", "Rådhusets kantine", {"køkken og kantine"}),
        unit("Holstebro Kommune, Jobcenter", "Jobcenter Holstebro", {"beskæftigelse"}),
        unit("Holstebro Kommune, Bibliotekerne", "Holstebro Bibliotek", {"kultur"}),
        unit("Holstebro Kommune, Vej og Park", "Vej og Park", {"klima og miljø"}),
        unit("Holstebro Kommune, Sundhedsplejen", "Sundhedsplejen", {"sundhed"}),
        unit("Holstebro Kommune, Borgerservice", "Borgerservice", {"borgerservice"}),
        unit("Holstebro Kommune, Økonomi og Analyse", "Økonomi og Analyse", {"økonomi"}),
        unit("Holstebro Kommune, Plejecenter Kastanjegården", "Plejecenter Kastanjegården",
             {"ældreområdet"}),
        unit("Holstebro Kommune, Musikskolen", "Holstebro Musikskole", {"kultur"}),
        unit("Holstebro Kommune, IT og Digitalisering", "IT og Digitalisering", {"digitalisering"}),
        unit("Holstebro Kommune, Familieafdelingen", "Familieafdelingen",
             {"børn og familie", "socialområdet"}),
        unit("Holstebro Kommune, Innovationsgruppen", "Innovationsgruppen",
             {"innovation", "økonomi"}),
    };
  }();
  return kPlaces;
}

// Silkeborg Kommune's units and the regional hospital in town (copycat internships).
const std::vector<Place>& SilkeborgPlaces() {
  static const std::vector<Place> kPlaces = [] {
    const auto unit = [](std::string_view name, std::string_view title,
                         std::vector<std::string_view> fields) {
      return Local(name, "Midtjylland", "Silkeborg", "silkeborg.example", "Søvej 1, 8600 Silkeborg",
                   title, std::move(fields));
    };
    return std::vector<Place>{
        unit("Silkeborg Kommune, Sundhedsplejen", "Familieiværksætterne",
             {"sundhed", "børn og familie"}),
        unit("Silkeborg Kommune, Jobcenter", "Jobcenter Silkeborg", {"beskæftigelse"}),
        unit("Silkeborg Kommune, Kultur og Fritid", "Kulturhus Silkeborg", {"kultur"}),
        unit("Silkeborg Kommune, Dagtilbud", "Børnehuset Lyngbakken", {"skole og dagtilbud"}),
        unit("Silkeborg Kommune, Teknik og Miljø", "Natur og Miljø", {"klima og miljø"}),
        unit("Silkeborg Kommune, Digitalisering og IT", "Digitalisering og IT", {"digitalisering"}),
        unit("Silkeborg Kommune, Ældre", "Hjemmeplejen Nord", {"ældreområdet"}),
        unit("Silkeborg Kommune, Borgerservice", "Borgerservice", {"borgerservice"}),
        Local("Region Midtjylland, Regionshospitalet Silkeborg", "Midtjylland", "Silkeborg",
              "rm.example", "Falkevej 1-3, 8600 Silkeborg", "Diagnostisk Center", {"sundhed"},
              kRegional),
    };
  }();
  return kPlaces;
}

// Gladsaxe Kommune's units, and a ministry that takes its staff (manager approval needed).
const std::vector<Place>& GladsaxePlaces() {
  static const std::vector<Place> kPlaces = [] {
    const auto unit = [](std::string_view name, std::string_view title,
                         std::vector<std::string_view> fields) {
      return Local(name, "Hovedstaden", "Gladsaxe", "gladsaxe.example",
                   "Rådhus Allé 7, 2860 Søborg", title, std::move(fields));
    };
    return std::vector<Place>{
        unit("Gladsaxe Kommune, Direktionen", "Direktionssekretariatet", {"ledelse", "økonomi"}),
        unit("Gladsaxe Kommune, Social- og Sundhedsforvaltningen", "Socialrådgivningen",
             {"socialområdet"}),
        unit("Gladsaxe Kommune, Børne- og Kulturforvaltningen", "Gladsaxe Bibliotekerne",
             {"kultur", "skole og dagtilbud"}),
        unit("Gladsaxe Kommune, By- og Miljøforvaltningen", "Byudvikling", {"klima og miljø"}),
        unit("Gladsaxe Kommune, Jobcenter", "Jobcenter Gladsaxe", {"beskæftigelse"}),
        unit("Gladsaxe Kommune, Digitalisering", "Data og Digitalisering", {"digitalisering"}),
        Local("Økonomi- og Indenrigsministeriet, Kommunaljura", "Hovedstaden", "København",
              "oim.example", "Slotsholmsgade 10, 1216 København K", "Kommunaljura",
              {"ledelse", "økonomi"}, kState),
    };
  }();
  return kPlaces;
}

constexpr std::string_view kFirstNames[] = {
    "Anne",   "Mette",  "Lene",     "Sara",     "Camilla", "Birgitte", "Kristina", "Pia",
    "Louise", "Maria",  "Hanne",    "Lotte",    "Susanne", "Tina",     "Ida",      "Signe",
    "Karen",  "Julie",  "Marianne", "Rikke",    "Helle",   "Trine",    "Stine",    "Laila",
    "Henrik", "Søren",  "Lars",     "Jens",     "Peter",   "Michael",  "Thomas",   "Kenneth",
    "Simon",  "Mads",   "Rasmus",   "Anders",   "Jesper",  "Morten",   "Niels",    "Bo",
    "Jakob",  "Martin", "Kasper",   "Frederik", "Ole",     "Torben",   "Mikkel",   "Emil"};
constexpr std::string_view kLastNames[] = {
    "Nielsen",  "Jensen",    "Hansen",    "Pedersen",    "Andersen",  "Christensen", "Larsen",
    "Sørensen", "Rasmussen", "Jørgensen", "Petersen",    "Madsen",    "Kristensen",  "Olsen",
    "Thomsen",  "Poulsen",   "Johansen",  "Møller",      "Mortensen", "Knudsen",     "Jakobsen",
    "Lund",     "Holm",      "Bach",      "Vestergaard", "Dahl",      "Kjær",        "Bruun",
    "Lindberg", "Skov",      "Frandsen",  "Krogh",       "Damgaard",  "Winther",     "Bisgaard"};
// Colleagues who read their e-mails in English.
constexpr std::string_view kEnglishNames[] = {"Emma Clarke", "Lukas Becker",  "Ana Ribeiro",
                                              "Tom Fischer", "Olivia Hughes", "Marek Nowak",
                                              "Sofia Rossi", "Daniel Murphy"};

constexpr std::string_view kJobTitles[] = {
    "Udviklingskonsulent", "Sagsbehandler",  "Kontorchef",       "Teamleder",
    "Fuldmægtig",          "Projektleder",   "Chefkonsulent",    "Økonomisk konsulent",
    "HR-partner",          "Socialrådgiver", "Sygeplejerske",    "Bibliotekar",
    "Jobkonsulent",        "Pædagog",        "Specialkonsulent", "Afdelingsleder"};

constexpr std::string_view kPurposes[] = {
    "Jeg vil se, hvordan andre arbejder med borgerinddragelse, og tage idéer med hjem til mit "
    "team.",
    "Jeg sidder med et nyt projekt med mange samarbejdspartnere og vil forstå deres hverdag "
    "indefra i stedet for blot at holde møder.",
    "Jeg vil lære, hvordan I deler viden på tværs af faggrupper, og udfordre vores eget "
    "indforståede sprog.",
    "Jeg vil opleve, hvordan reglerne vi skriver, virker i praksis ude hos dem, der bruger dem.",
    "Jeg ønsker inspiration til at gøre små ting anderledes og et netværk, jeg kan sparre med "
    "bagefter.",
    "Jeg vil se, hvordan I har taget en god idé fra et andet sted og fået den til at virke hos "
    "jer.",
    "Jeg vil blive klogere på, hvordan I tilrettelægger arbejdet med data og digitale løsninger.",
    "Jeg vil lære af jeres måde at lede forandringer på og tage metoderne med hjem.",
};

constexpr std::string_view kEnglishPurpose =
    "I want to see how another workplace involves citizens and bring ideas back to my team.";

constexpr std::string_view kOfferActivities[] = {
    "Du følger vores hverdag, er med til møder og borgerkontakt og får lov at stille de dumme "
    "spørgsmål, vi selv er holdt op med at stille.",
    "Du er med på vores tavlemøder og i et igangværende udviklingsprojekt, hvor vi gerne vil "
    "have nye øjne på vores arbejdsgange.",
    "Du får et indblik i, hvordan vi omsætter politiske beslutninger til praksis, og du er med, "
    "når vi mødes med samarbejdspartnere.",
    "Du arbejder med på en konkret opgave og præsenterer dine iagttagelser for os på sidste dag.",
};

std::string AsciiMail(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::string_view rest = text.substr(i);
    if (rest.starts_with("æ") || rest.starts_with("Æ")) {
      out += "ae", ++i;
    } else if (rest.starts_with("ø") || rest.starts_with("Ø")) {
      out += "oe", ++i;
    } else if (rest.starts_with("å") || rest.starts_with("Å")) {
      out += "aa", ++i;
    } else if (rest.starts_with("é")) {
      out += "e", ++i;
    } else if (text[i] == ' ') {
      out += '.';
    } else {
      out += absl::ascii_tolower(static_cast<unsigned char>(text[i]));
    }
  }
  return out;
}

v1::Date ToDate(sys_days day) {
  const year_month_day ymd(day);
  v1::Date date;
  date.set_year(static_cast<int>(ymd.year()));
  date.set_month(static_cast<int>(static_cast<unsigned>(ymd.month())));
  date.set_day(static_cast<int>(static_cast<unsigned>(ymd.day())));
  return date;
}

sys_days FromDate(const v1::Date& date) {
  return sys_days(year_month_day(std::chrono::year(date.year()),
                                 std::chrono::month(static_cast<unsigned>(date.month())),
                                 std::chrono::day(static_cast<unsigned>(date.day()))));
}

// The first Monday on or after day.
sys_days MondayFrom(sys_days day) {
  const std::chrono::weekday weekday(day);
  return day + days((7 + 1 - static_cast<int>(weekday.c_encoding())) % 7);
}

std::string_view MonthName(sys_days day) {
  static constexpr std::string_view kMonths[] = {"januar",    "februar", "marts",    "april",
                                                 "maj",       "juni",    "juli",     "august",
                                                 "september", "oktober", "november", "december"};
  return kMonths[static_cast<unsigned>(year_month_day(day).month()) - 1];
}

int IsoWeek(sys_days day) {
  // The week's Thursday decides the ISO year; week 1 holds its first Thursday.
  const sys_days thursday = day - days((std::chrono::weekday(day).iso_encoding() - 1)) + days(3);
  const auto year = year_month_day(thursday).year();
  const sys_days first = sys_days(year / std::chrono::January / 1);
  return static_cast<int>((thursday - first).count() / 7 + 1);
}

// Easter Sunday of year (the Gregorian computus, Meeus/Jones/Butcher).
sys_days EasterSunday(int year) {
  const int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return sys_days(year_month_day(std::chrono::year(year),
                                 std::chrono::month(static_cast<unsigned>(month)),
                                 std::chrono::day(static_cast<unsigned>(day))));
}

}  // namespace

bool IsHolidayWeek(sys_days monday) {
  // The school holidays (winter 7-8, summer 28-31, autumn 42) and Christmas to New Year.
  const int week = IsoWeek(monday);
  for (int holiday_week : {52, 53, 1, 7, 8, 28, 29, 30, 31, 42}) {
    if (week == holiday_week) return true;
  }
  // A public holiday on a weekday: Maundy Thursday to Easter Monday, Ascension Day, Whit Monday,
  // Constitution Day (5 June).
  const int year = static_cast<int>(year_month_day(monday).year());
  std::vector<sys_days> holidays;
  for (int y : {year - 1, year, year + 1}) {
    const sys_days easter = EasterSunday(y);
    for (int offset : {-3, -2, 1, 39, 50}) holidays.push_back(easter + days(offset));
    holidays.push_back(sys_days(std::chrono::year(y) / std::chrono::June / 5));
  }
  for (sys_days holiday : holidays) {
    if (holiday >= monday && holiday < monday + days(5)) return true;
  }
  return false;
}

sys_days WorkingWeekFrom(sys_days day) {
  sys_days monday = MondayFrom(day);
  while (IsHolidayWeek(monday)) monday += days(7);
  return monday;
}

namespace {

// The generator: a std::mt19937_64 (its sequence is fixed by the standard, unlike the
// distributions'), and the people made so far (names and addresses are unique in the demo).
class Maker {
 public:
  Maker(std::uint64_t seed, sys_days today) : random_(seed), today_(today) {}

  int Below(int n) { return static_cast<int>(random_() % static_cast<std::uint64_t>(n)); }
  bool Chance(int percent) { return Below(100) < percent; }
  template <typename T, std::size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(static_cast<int>(N))];
  }

  v1::Participant Person(const Place& place, bool english) {
    std::string name;
    do {
      if (english) {
        name = std::string(Pick(kEnglishNames));
        continue;
      }
      const std::string first(Pick(kFirstNames));
      const std::string last(Pick(kLastNames));
      name = absl::StrCat(first, " ", last);
      // A Danish middle name (a family name too) tells namesakes apart.
      if (names_.contains(name))
        name = absl::StrCat(first, " ", std::string(Pick(kLastNames)), " ", last);
    } while (names_.contains(name) && names_.size() < 5000);
    names_.insert(name);
    std::string email = absl::StrCat(AsciiMail(name), "@", std::string(place.mail_domain));
    for (int n = 2; !emails_.insert(email).second; ++n) {
      email = absl::StrCat(AsciiMail(name), n, "@", std::string(place.mail_domain));
    }
    v1::Participant person;
    person.set_name(name);
    person.set_email(email);
    person.set_job_title(std::string(Pick(kJobTitles)));
    person.set_language(english ? v1::LANGUAGE_ENGLISH : v1::LANGUAGE_DANISH);
    person.set_consent(true);
    if (Chance(60)) person.set_phone(absl::StrCat("+45 ", 20000000 + Below(79999999)));
    return person;
  }

  // A manager of place, by name and address (not a participant).
  v1::Manager Manager(const Place& place) {
    const v1::Participant person = Person(place, false);
    v1::Manager manager;
    manager.set_name(person.name());
    manager.set_email(person.email());
    return manager;
  }

  sys_days today() const { return today_; }

 private:
  std::mt19937_64 random_;
  sys_days today_;
  std::set<std::string> names_;
  std::set<std::string> emails_;
};

v1::Workplace WorkplaceOf(const Place& place) {
  v1::Workplace workplace;
  workplace.set_name(std::string(place.name));
  workplace.set_sector(place.sector);
  workplace.set_region(std::string(place.region));
  workplace.set_municipality(std::string(place.municipality));
  return workplace;
}

// What one round of a programme looks like.
struct RoundPlan {
  std::string name;
  sys_days signup_deadline;
  sys_days window_start;
  int window_days = 5;
  int max_wishes = 3;
  std::vector<v1::Sector> host_sectors;
  v1::RoundState final_state = v1::ROUND_STATE_CLOSED;
  const std::vector<Place>* hosts = nullptr;
  int units_per_host = 1;  // offers per host workplace (at most its units)
  int max_capacity = 2;    // places per offer: 1..max_capacity
  int offer_days_min = 1;  // days an offer takes interns (consecutive)
  int offer_days_max = 2;
  const std::vector<Place>* interns = nullptr;  // where the interns work
  bool interns_from_private = false;
  int intern_days_min = 1;  // days an intern can come (consecutive)
  int intern_days_max = 3;
  int interns_per_place = 100;  // interns per 100 places
  int cross_sector_percent = 0;
  int criteria_percent = 25;
  bool manager_approval = false;
  int english_percent = 0;
};

// Consecutive days [first, first + count) within the window.
std::vector<int> DaySpan(Maker& maker, int window_days, int min_days, int max_days) {
  const int count = std::min(window_days, min_days + maker.Below(max_days - min_days + 1));
  const int first = maker.Below(window_days - count + 1);
  std::vector<int> span;
  for (int i = 0; i < count; ++i) span.push_back(first + i);
  return span;
}

bool Overlap(const std::vector<int>& a, const std::vector<int>& b) {
  return std::any_of(a.begin(), a.end(),
                     [&](int day) { return std::find(b.begin(), b.end(), day) != b.end(); });
}

Round MakeRound(Maker& maker, const RoundPlan& plan, Demo& demo,
                std::map<std::string, int, std::less<>>& workplace_index) {
  Round round;
  v1::Round& r = round.round;
  r.set_name(plan.name);
  *r.mutable_window_start() = ToDate(plan.window_start);
  *r.mutable_window_end() = ToDate(plan.window_start + days(plan.window_days - 1));
  *r.mutable_signup_deadline() = ToDate(plan.signup_deadline);
  r.set_max_wishes(plan.max_wishes);
  for (v1::Sector sector : plan.host_sectors) r.add_allowed_host_sectors(sector);
  round.final_state = plan.final_state;

  // The host offers: each unit of each host workplace, its days and places.
  std::vector<std::vector<int>> offer_days;
  std::vector<const Place*> offer_place;
  std::vector<int> popularity;  // how strongly interns are drawn to it
  for (const Place& place : *plan.hosts) {
    auto [it, added] = workplace_index.try_emplace(std::string(place.name),
                                                   static_cast<int>(demo.workplaces.size()));
    if (added) demo.workplaces.push_back(WorkplaceOf(place));
    const int units = std::min<int>(plan.units_per_host, static_cast<int>(place.units.size()));
    for (int u = 0; u < units; ++u) {
      Offer offer;
      offer.workplace = it->second;
      offer.contact = maker.Person(place, false);
      v1::HostOffer& o = offer.offer;
      o.set_title(absl::StrCat(std::string(place.units[u]), ", ",
                               std::string(place.name.substr(0, place.name.find(',')))));
      o.set_description(absl::StrCat("Praktik hos ", std::string(place.units[u]), ". ",
                                     std::string(maker.Pick(kOfferActivities))));
      o.set_capacity(1 + maker.Below(plan.max_capacity));
      const std::vector<int> span =
          DaySpan(maker, plan.window_days, plan.offer_days_min, plan.offer_days_max);
      for (int day : span) *o.add_days() = ToDate(plan.window_start + days(day));
      o.set_address(std::string(place.address));
      for (std::string_view field : place.fields) o.add_fields(std::string(field));
      offer_days.push_back(span);
      offer_place.push_back(&place);
      popularity.push_back(maker.Chance(15) ? 6 : 1);
      round.offers.push_back(std::move(offer));
    }
  }

  // The interns: about as many as the places, so most are placed and a few are not.
  int places = 0;
  for (const Offer& offer : round.offers) places += offer.offer.capacity();
  const int interns = places * plan.interns_per_place / 100;
  std::vector<const Place*> homes;
  for (const Place& place : *plan.interns) {
    if (plan.interns_from_private || place.sector != kPrivate) homes.push_back(&place);
  }
  for (int i = 0; i < interns; ++i) {
    const Place& home = *homes[maker.Below(static_cast<int>(homes.size()))];
    const bool english = maker.Chance(plan.english_percent);
    SignUp sign_up;
    v1::ImportRow& row = sign_up.row;
    row.set_line(i + 2);  // as if from a form's CSV export, after its header
    *row.mutable_participant() = maker.Person(home, english);
    *row.mutable_workplace() = WorkplaceOf(home);
    v1::Application& application = *row.mutable_application();
    application.set_purpose(english ? std::string(kEnglishPurpose)
                                    : std::string(maker.Pick(kPurposes)));
    const std::vector<int> span =
        DaySpan(maker, plan.window_days, plan.intern_days_min, plan.intern_days_max);
    for (int day : span) *application.add_available_days() = ToDate(plan.window_start + days(day));
    if (plan.manager_approval) *application.mutable_manager() = maker.Manager(home);

    // Ranked wishes among the offers they can go to (another workplace, a common day): mostly
    // in their own sector, some across; some by criteria (a field in a region).
    std::vector<int> same;
    std::vector<int> other;
    for (int o = 0; o < static_cast<int>(round.offers.size()); ++o) {
      if (offer_place[o]->name == home.name || !Overlap(offer_days[o], span)) continue;
      for (int weight = 0; weight < popularity[o]; ++weight) {
        (offer_place[o]->sector == home.sector ? same : other).push_back(o);
      }
    }
    const int wanted = std::min(plan.max_wishes, 2 + maker.Below(plan.max_wishes));
    std::set<int> named;
    std::set<std::string> criteria;
    for (int attempt = 0; static_cast<int>(sign_up.wishes.size()) < wanted && attempt < 40;
         ++attempt) {
      const bool across =
          other.size() > 0 && (same.empty() || maker.Chance(plan.cross_sector_percent));
      const std::vector<int>& pool = across ? other : same;
      if (pool.empty()) break;
      const int o = pool[maker.Below(static_cast<int>(pool.size()))];
      Wish wish;
      if (maker.Chance(plan.criteria_percent)) {
        const Place& place = *offer_place[o];
        wish.criteria.set_field(std::string(place.fields[0]));
        if (maker.Chance(50)) {
          wish.criteria.set_region(std::string(place.region));
        } else {
          wish.criteria.set_sector(place.sector);
        }
        if (!criteria.insert(wish.criteria.SerializeAsString()).second) continue;
      } else {
        if (!named.insert(o).second) continue;
        wish.offer = o;
      }
      sign_up.wishes.push_back(std::move(wish));
    }
    if (sign_up.wishes.empty()) continue;  // nowhere to go: this colleague did not sign up
    round.sign_ups.push_back(std::move(sign_up));
  }
  return round;
}

}  // namespace

Demo MakeDemo(std::uint64_t seed, const v1::Date& today_date) {
  const sys_days today = FromDate(today_date);
  Maker maker(seed, today);
  Demo demo;
  std::map<std::string, int, std::less<>> workplace_index;

  const auto programme = [&](std::string name, std::string description, bool approval) {
    Programme p;
    p.programme.set_name(std::move(name));
    p.programme.set_description(std::move(description));
    p.programme.set_requires_manager_approval(approval);
    p.programme.set_retention_days(365);
    return p;
  };

  // The national programme: one common week, 1-5 days, every sector.
  {
    const sys_days monday = WorkingWeekFrom(today + days(35));
    RoundPlan plan{
        .name = absl::StrCat("Innovationspraktik ", static_cast<int>(year_month_day(monday).year()),
                             ", uge ", IsoWeek(monday)),
        .signup_deadline = today + days(14),
        .window_start = monday,
        .window_days = 5,
        .max_wishes = 5,
        .host_sectors = {kMunicipal, kRegional, kState, kPrivate},
        .hosts = &NationalPlaces(),
        .units_per_host = 2,
        .max_capacity = 5,
        .offer_days_min = 2,
        .offer_days_max = 5,
        .interns = &NationalPlaces(),
        .intern_days_min = 1,
        .intern_days_max = 5,
        .interns_per_place = 106,
        .cross_sector_percent = 17,
        .criteria_percent = 25,
        .english_percent = 5};
    Programme p = programme(
        "Innovationspraktik",
        "Den landsdækkende innovationspraktik efter Center for Offentlig Innovations model: "
        "offentligt ansatte tager 1-5 dage i praktik på en anden offentlig arbejdsplads eller "
        "hos en privat virksomhed i samme uge, for at lære nyt og få netværk på tværs af fag, "
        "geografi og sektor. Man afgiver rangerede ønsker, og koordinatorerne matcher.",
        false);
    p.rounds.push_back(MakeRound(maker, plan, demo, workplace_index));
    demo.programmes.push_back(std::move(p));
  }
  // The local rounds: Holstebro's first, Silkeborg's and Gladsaxe's a week or more later.
  const sys_days holstebro_week = WorkingWeekFrom(today + days(14));
  const sys_days later_local_week =
      WorkingWeekFrom(std::max(today + days(21), holstebro_week + days(7)));
  // Holstebro's lynpraktik: 1-2 days inside the municipality.
  {
    const sys_days monday = holstebro_week;
    RoundPlan plan{.name = absl::StrCat("Lynpraktik, ", std::string(MonthName(monday)), " ",
                                        static_cast<int>(year_month_day(monday).year())),
                   .signup_deadline = today + days(7),
                   .window_start = monday,
                   .window_days = 5,
                   .max_wishes = 3,
                   .host_sectors = {kMunicipal},
                   .hosts = &HolstebroPlaces(),
                   .max_capacity = 4,
                   .offer_days_min = 1,
                   .offer_days_max = 2,
                   .interns = &HolstebroPlaces(),
                   .intern_days_min = 2,
                   .intern_days_max = 3,
                   .interns_per_place = 110,
                   .criteria_percent = 15};
    Programme p = programme(
        "Holstebro Kommunes lynpraktik",
        "Ansatte i Holstebro Kommune tager 1-2 dage i lynpraktik på en anden arbejdsplads i "
        "kommunen, så afdelingerne lærer hinanden at kende og deler gode løsninger. Inspireret "
        "af den landsdækkende innovationspraktik.",
        false);
    p.rounds.push_back(MakeRound(maker, plan, demo, workplace_index));
    demo.programmes.push_back(std::move(p));
  }
  // Silkeborg's copycat internships: see a good idea at work elsewhere, and copy it.
  {
    const sys_days monday = later_local_week;
    RoundPlan plan{.name = absl::StrCat("Copycat-praktik, ", std::string(MonthName(monday)), " ",
                                        static_cast<int>(year_month_day(monday).year())),
                   .signup_deadline = today + days(10),
                   .window_start = monday + days(1),
                   .window_days = 3,
                   .max_wishes = 3,
                   .host_sectors = {kMunicipal, kRegional},
                   .hosts = &SilkeborgPlaces(),
                   .max_capacity = 4,
                   .offer_days_min = 1,
                   .offer_days_max = 3,
                   .interns = &SilkeborgPlaces(),
                   .intern_days_min = 1,
                   .intern_days_max = 3,
                   .interns_per_place = 105,
                   .cross_sector_percent = 20,
                   .criteria_percent = 20};
    Programme p = programme(
        "Silkeborg Kommunes copycat-praktik",
        "Se en god idé i drift hos en anden enhed i kommunen eller på Regionshospitalet "
        "Silkeborg, og tag den med hjem: 1-3 dages praktik, der hører sammen med kommunens "
        "copycat-pris for den bedst kopierede idé.",
        false);
    p.rounds.push_back(MakeRound(maker, plan, demo, workplace_index));
    demo.programmes.push_back(std::move(p));
  }
  // Gladsaxe: the manager approves each sign-up; the round is still open.
  {
    const sys_days monday = later_local_week;
    RoundPlan plan{.name = absl::StrCat("Gladsaxe på tværs, ", std::string(MonthName(monday)), " ",
                                        static_cast<int>(year_month_day(monday).year())),
                   .signup_deadline = today + days(10),
                   .window_start = monday,
                   .window_days = 5,
                   .max_wishes = 3,
                   .host_sectors = {kMunicipal, kState},
                   .final_state = v1::ROUND_STATE_OPEN,
                   .hosts = &GladsaxePlaces(),
                   .max_capacity = 4,
                   .offer_days_min = 2,
                   .offer_days_max = 4,
                   .interns = &GladsaxePlaces(),
                   .interns_from_private = false,
                   .intern_days_min = 2,
                   .intern_days_max = 4,
                   .interns_per_place = 100,
                   .cross_sector_percent = 25,
                   .criteria_percent = 15,
                   .manager_approval = true,
                   .english_percent = 10};
    Programme p = programme(
        "Gladsaxe på tværs",
        "Medarbejdere i Gladsaxe Kommune i praktik i en anden forvaltning eller i et ministerium "
        "i 2-4 dage. Din leder godkender ansøgningen via et link i en e-mail, før du kommer med i "
        "matchningen.",
        true);
    p.rounds.push_back(MakeRound(maker, plan, demo, workplace_index));
    demo.programmes.push_back(std::move(p));
  }
  return demo;
}

}  // namespace ipraktik::cli::demo
