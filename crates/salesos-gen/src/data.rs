//! Built-in word lists: names, companies, places, titles, products and note templates.
//!
//! The lists are part of the output format: changing, adding or reordering entries changes the
//! files a seed produces, so treat them as frozen and add new lists instead.

/// Given names with international variety; their ASCII email slugs are unique.
#[rustfmt::skip]
pub const FIRST_NAMES: &[&str] = &[
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
    "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen",
    "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Margaret", "Steven", "Sandra",
    "Andrew", "Ashley", "Kevin", "Emily", "Brian", "Donna", "George", "Michelle", "Edward", "Carol",
    "Ronald", "Amanda", "Timothy", "Melissa", "Jason", "Deborah", "Ryan", "Stephanie", "Jacob", "Rebecca",
    "Gary", "Laura", "Nicholas", "Sharon", "Eric", "Cynthia", "Jonathan", "Kathleen", "Zoë", "José",
    "Françoise", "Łukasz", "Søren", "Björn", "Jürgen", "Günther", "Renée", "Chloé", "Hélène", "Étienne",
    "Jérôme", "François", "Maëlle", "Noémie", "Inès", "Léa", "Raphaël", "Anaïs", "Klaus", "Heike",
    "Ursula", "Wolfgang", "Dieter", "Sabine", "Katrin", "Jörg", "Uwe", "Birgit", "Matthias", "Stefanie",
    "Tobias", "Annika", "Lukas", "Leonie", "Felix", "Johanna", "Maximilian", "Greta", "Sophie", "Olivier",
    "Amélie", "Sébastien", "Camille", "Mathieu", "Manon", "Julien", "Margaux", "Baptiste", "Alejandro", "Lucía",
    "Javier", "Martina", "Sofía", "Mateo", "Valentina", "Diego", "Camila", "Andrés", "Ximena", "Joaquín",
    "Begoña", "Iñaki", "Núria", "João", "Gonçalo", "Leonor", "Tiago", "Beatriz", "Giulia", "Lorenzo",
    "Francesca", "Matteo", "Chiara", "Niccolò", "Alessandro", "Federica", "Sigríður", "Øystein", "Åsa", "Ingrid",
    "Magnus", "Freja", "Linnéa", "Mikael", "Astrid", "Henrik", "Małgorzata", "Wojciech", "Zuzanna", "Krzysztof",
    "Agnieszka", "Tomáš", "Jiří", "Kateřina", "Petra", "Ondřej", "Emre", "Ayşe", "Mehmet", "Elif",
    "Çağla", "Minh", "Thảo", "Huy", "Linh", "Quân", "Wei", "Fang", "Jing", "Hao",
    "Xiu", "Yusuke", "Haruka", "Takumi", "Yuki", "Aiko", "Ji-woo", "Min-jun", "Seo-yeon", "Priya",
    "Arjun", "Ananya", "Rohan", "Aditya", "Deepika", "Vikram", "Saanvi", "Mohammed", "Fatima", "Omar",
    "Layla", "Youssef", "Aisha", "Karim", "Nour", "Chinedu", "Amara", "Kwame", "Adaeze", "Thabo",
    "Zanele", "Oluwaseun", "Kofi", "Siobhán", "Seán", "Niamh", "Aoife", "Cormac", "Oisín", "Anne-Marie",
];

/// Family names with international variety; their ASCII email slugs are unique.
#[rustfmt::skip]
pub const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts",
    "O'Brien", "O'Connor", "McCarthy", "Murphy", "Kelly", "Byrne", "MacDonald", "Fitzgerald", "D'Angelo", "O'Sullivan",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Köhler", "Groß", "Weiß", "Jäger", "Böhm",
    "Dubois", "Lefèvre", "Moreau", "Laurent", "Simon", "Michel", "Garnier", "Rousseau", "Fontaine", "Chevalier",
    "Lemaître", "Girard", "Bonnet", "Dupont", "Mercier", "Faure", "Gauthier", "Perrin", "Beaumont", "Brûlé",
    "Fernández", "Pérez", "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Morales",
    "Jiménez", "Álvarez", "Muñoz", "Castillo", "Ortega", "Silva", "Santos", "Oliveira", "Pereira", "Costa",
    "Carvalho", "Gonçalves", "Araújo", "Magalhães", "Rocha", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
    "Romano", "Colombo", "Ricci", "Marino", "Greco", "De Luca", "Bruno", "Søndergaard", "Nielsen", "Jensen",
    "Hansen", "Andersson", "Johansson", "Karlsson", "Nilsson", "Lindqvist", "Bergström", "Åberg", "Virtanen", "Mäkinen",
    "Kristiansen", "Halvorsen", "Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zieliński", "Szymańska",
    "Dvořák", "Novotný", "Svoboda", "Černý", "Procházka", "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik",
    "Öztürk", "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Wang", "Li", "Zhang",
    "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Sato", "Suzuki", "Takahashi",
    "Tanaka", "Watanabe", "Yamamoto", "Kim", "Park", "Choi", "Jung", "Patel", "Sharma", "Singh",
    "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Chatterjee", "Banerjee", "Haddad", "Khalil", "Mansour",
    "Nasser", "Aziz", "El-Amin", "Okafor", "Mensah", "Adeyemi", "Nkosi", "Diallo", "Mbeki", "Van der Berg",
];

/// First words of company names.
#[rustfmt::skip]
pub const COMPANY_PREFIXES: &[&str] = &[
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Northwind", "Contoso", "Fabrikam", "Tailspin",
    "Blue River", "Red Oak", "Silver Lake", "Iron Bridge", "Summit", "Pinnacle", "Horizon", "Evergreen", "Bright Path", "Clearwater",
    "Cobalt", "Crescent", "Falcon", "Granite", "Harbor", "Keystone", "Lighthouse", "Maple", "Meridian", "Nimbus",
    "Orion", "Polaris", "Quantum", "Redwood", "Sapphire", "Sterling", "Sunrise", "Trident", "Vertex", "Zenith",
    "Alpen", "Nordlicht", "Rheinland", "Schwarzwald", "Elbe", "Lumière", "Rivière", "Étoile", "Beaulieu", "Provence",
    "Thames", "Pennine", "Highland", "Kingsway", "Albion", "Atlas", "Aurora", "Cascade", "Delta", "Mosaic",
];

/// Middle words of company names and the industry (model picklist value) they suggest.
pub const COMPANY_CORES: &[(&str, &str)] = &[
    ("Systems", "technology"),
    ("Logistics", "transportation"),
    ("Analytics", "technology"),
    ("Software", "technology"),
    ("Consulting", "consulting"),
    ("Foods", "food_and_beverage"),
    ("Pharma", "healthcare"),
    ("Energy", "energy"),
    ("Media", "media"),
    ("Robotics", "manufacturing"),
    ("Dynamics", "engineering"),
    ("Networks", "telecommunications"),
    ("Solutions", "consulting"),
    ("Capital", "finance"),
    ("Health", "healthcare"),
    ("Labs", "biotechnology"),
    ("Manufacturing", "manufacturing"),
    ("Textiles", "manufacturing"),
    ("Motors", "transportation"),
    ("Biotech", "biotechnology"),
    ("Telecom", "telecommunications"),
    ("Insurance", "insurance"),
    ("Construction", "construction"),
    ("Hospitality", "hospitality"),
    ("Retail", "retail"),
    ("Engineering", "engineering"),
    ("Design", "other"),
    ("Marketing", "media"),
    ("Finance", "finance"),
    ("Security", "technology"),
    ("Cloud", "technology"),
    ("Data", "technology"),
    ("Mobility", "transportation"),
    ("Materials", "chemicals"),
    ("Chemicals", "chemicals"),
    ("Aerospace", "engineering"),
    ("Education", "education"),
    ("Travel", "hospitality"),
    ("Agritech", "agriculture"),
    ("Electronics", "electronics"),
];

/// Last words of company names before the legal suffix (empty: none).
pub const COMPANY_TAILS: &[&str] =
    &["", "Group", "Holdings", "Partners", "International", "Global", "Europe", "Worldwide", "Digital", "Services"];

/// Free-mail domains by country code.
pub const FREE_MAIL: &[(&str, &[&str])] = &[
    ("US", &["gmail.com", "outlook.com", "yahoo.com", "icloud.com"]),
    ("GB", &["gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.co.uk"]),
    ("DE", &["gmail.com", "gmx.de", "web.de", "t-online.de"]),
    ("FR", &["gmail.com", "orange.fr", "free.fr", "outlook.com"]),
];

/// A city with what the generator needs to place a person or company there.
#[derive(Debug, Clone, Copy)]
pub struct City {
    /// Name.
    pub name: &'static str,
    /// State, region or county; empty when addresses usually leave it out.
    pub state: &'static str,
    /// Postal codes start at this number (US, DE, FR) or with this outward code (GB).
    pub postal: &'static str,
    /// National significant landline prefix (area code).
    pub area: &'static str,
    /// National significant mobile prefix, disjoint from every landline prefix.
    pub mobile: &'static str,
}

const fn city(name: &'static str, state: &'static str, postal: &'static str, area: &'static str, mobile: &'static str) -> City {
    City { name, state, postal, area, mobile }
}

/// US cities (state codes, ZIP bases, area codes and overlay codes for mobiles).
pub const US_CITIES: &[City] = &[
    city("New York", "NY", "10001", "212", "646"),
    city("San Francisco", "CA", "94102", "415", "628"),
    city("Chicago", "IL", "60601", "312", "872"),
    city("Boston", "MA", "02108", "617", "857"),
    city("Seattle", "WA", "98101", "206", "564"),
    city("Austin", "TX", "78701", "512", "737"),
    city("Denver", "CO", "80202", "303", "720"),
    city("Miami", "FL", "33101", "305", "786"),
    city("Atlanta", "GA", "30303", "404", "470"),
    city("Los Angeles", "CA", "90012", "213", "323"),
];

/// UK cities (postcode districts, area codes; mobiles share one range).
pub const GB_CITIES: &[City] = &[
    city("London", "", "EC1A", "207", "790"),
    city("Manchester", "Greater Manchester", "M1", "161", "790"),
    city("Birmingham", "West Midlands", "B1", "121", "790"),
    city("Edinburgh", "", "EH1", "131", "790"),
    city("Bristol", "", "BS1", "117", "790"),
    city("Leeds", "West Yorkshire", "LS1", "113", "790"),
];

/// German cities (Bundesland, PLZ bases, Vorwahl without the trunk 0).
pub const DE_CITIES: &[City] = &[
    city("Berlin", "Berlin", "10115", "30", "171"),
    city("München", "Bayern", "80331", "89", "171"),
    city("Hamburg", "Hamburg", "20095", "40", "171"),
    city("Köln", "Nordrhein-Westfalen", "50667", "221", "171"),
    city("Frankfurt am Main", "Hessen", "60306", "69", "171"),
    city("Stuttgart", "Baden-Württemberg", "70173", "711", "171"),
    city("Düsseldorf", "Nordrhein-Westfalen", "40210", "211", "171"),
    city("Leipzig", "Sachsen", "04103", "341", "171"),
];

/// French cities (région, code postal bases, two-digit landline prefixes).
pub const FR_CITIES: &[City] = &[
    city("Paris", "Île-de-France", "75001", "14", "61"),
    city("Lyon", "Auvergne-Rhône-Alpes", "69001", "47", "61"),
    city("Marseille", "Provence-Alpes-Côte d'Azur", "13001", "49", "61"),
    city("Toulouse", "Occitanie", "31000", "56", "61"),
    city("Lille", "Hauts-de-France", "59000", "32", "61"),
    city("Bordeaux", "Nouvelle-Aquitaine", "33000", "55", "61"),
    city("Nantes", "Pays de la Loire", "44000", "24", "61"),
    city("Strasbourg", "Grand Est", "67000", "38", "61"),
];

/// Street names for US and UK addresses.
pub const EN_STREETS: &[&str] = &[
    "Main",
    "Oak",
    "Maple",
    "Market",
    "Mission",
    "Park",
    "Cedar",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Church",
    "High",
    "Station",
    "Victoria",
    "King's",
    "Queen",
    "Baker",
    "Mill",
    "Bridge",
];

/// US street types.
pub const US_STREET_TYPES: &[&str] = &["Street", "St", "Avenue", "Ave", "Blvd", "Road", "Drive", "Lane", "Way"];

/// UK street types.
pub const GB_STREET_TYPES: &[&str] = &["Road", "Street", "Lane", "Close", "Gardens", "Avenue", "Terrace"];

/// German street names, with their type already attached.
pub const DE_STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Goethestr.",
    "Schillerstraße",
    "Lindenallee",
    "Berliner Straße",
    "Gartenweg",
    "Kirchplatz",
    "Friedrichstraße",
    "Am Markt",
    "Rosenweg",
    "Königsallee",
    "Mühlenweg",
    "Schloßstraße",
];

/// French street names, with their type already attached.
pub const FR_STREETS: &[&str] = &[
    "rue de la République",
    "avenue Victor Hugo",
    "boulevard Haussmann",
    "rue du Faubourg Saint-Honoré",
    "place de la Bourse",
    "rue de Rivoli",
    "avenue Jean Jaurès",
    "rue des Lilas",
    "quai Voltaire",
    "rue Pasteur",
];

/// Job titles.
#[rustfmt::skip]
pub const TITLES: &[&str] = &[
    "CEO", "CFO", "CTO", "COO", "Founder & CEO", "VP Sales",
    "VP, Marketing", "Head of Marketing", "Head of IT", "Sales Manager", "Account Executive", "Account Manager",
    "Software Engineer", "Senior Developer", "Product Manager", "Customer Success Manager", "Office Manager", "Procurement Lead",
    "Purchasing Manager", "Operations Director", "Marketing Coordinator", "HR Business Partner", "IT Administrator", "Geschäftsführer",
    "Leiter Einkauf", "Vertriebsleiterin", "Directeur commercial", "Responsable achats", "Chef de projet", "Managing Director",
    "Finance Manager", "Controller", "Data Analyst", "Business Development Rep", "Partner", "Consultant",
    "Executive Assistant", "Chief Revenue Officer", "Director of Operations", "Head of Procurement",
];

/// Trade shows and events named in notes.
pub const EVENTS: &[&str] = &["SaaStr", "Web Summit", "CeBIT", "VivaTech", "Dreamforce", "the London Tech Week", "DMEXCO"];

/// Products: (noun, category, price floor in cents, price ceiling in cents).
pub const PRODUCT_NOUNS: &[(&str, &str, i64, i64)] = &[
    ("Analytics Suite", "Software", 9_900, 499_900),
    ("CRM Seat", "Software", 1_500, 15_000),
    ("Backup Service", "Software", 500, 50_000),
    ("Security Scanner", "Software", 4_900, 199_900),
    ("Office Chair", "Furniture", 8_900, 129_900),
    ("Standing Desk", "Furniture", 29_900, 189_900),
    ("Laptop Stand", "Accessories", 1_900, 12_900),
    ("USB-C Dock", "Accessories", 4_900, 34_900),
    ("Headset", "Electronics", 2_900, 39_900),
    ("Monitor 27\"", "Electronics", 14_900, 119_900),
    ("Webcam", "Electronics", 3_900, 24_900),
    ("Coffee Beans 1kg", "Food & Beverage", 1_290, 4_990),
    ("Support Plan", "Services", 19_900, 999_900),
    ("Onboarding Package", "Services", 49_900, 1_500_000),
    ("Training Day", "Services", 89_900, 350_000),
    ("Printer Toner", "Office Supplies", 2_900, 14_900),
    ("Notebook, A5", "Office Supplies", 290, 1_990),
    ("Router", "Networking", 7_900, 89_900),
    ("Access Point", "Networking", 9_900, 59_900),
    ("Solar Panel 400W", "Energy", 19_900, 69_900),
];

/// Product name first words.
pub const PRODUCT_ADJECTIVES: &[&str] = &[
    "Pro",
    "Ultra",
    "Smart",
    "Eco",
    "Compact",
    "Premium",
    "Basic",
    "Advanced",
    "Wireless",
    "Ergonomic",
    "Enterprise",
    "Classic",
    "Nova",
    "Flex",
    "Prime",
];

/// Product name last words (empty: none).
pub const PRODUCT_MODELS: &[&str] = &["", "X", "200", "Plus", "Max", "Mini", "S", "2", "Lite", "One", "v3", "XL"];

/// Words for deal names.
pub const DEAL_TOPICS: &[&str] = &[
    "licenses",
    "renewal",
    "expansion",
    "pilot",
    "upgrade",
    "onboarding",
    "support contract",
    "seats",
    "rollout",
    "framework agreement",
];

/// Subjects of activities; `{}` is replaced by a person or company.
pub const ACTIVITY_SUBJECTS: &[(&str, &str)] = &[
    ("call", "Call with {}"),
    ("call", "Follow-up call: {}"),
    ("email", "Sent proposal to {}"),
    ("email", "Re: pricing question from {}"),
    ("meeting", "Demo for {}"),
    ("meeting", "Quarterly review with {}"),
    ("task", "Prepare contract for {}"),
    ("task", "Send invoice to {}"),
    ("note", "Notes from lunch with {}"),
    ("other", "Conference chat, {}"),
];
