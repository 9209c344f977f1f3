"""Demonstration data for the Peace and Crisis Studies diploma (دبلوم دراسات السلام والأزمات).

Plain constants only, used to seed a development or demonstration database: the seven partner
universities with their certificate signatories, the programme, its eleven courses, the terms from
2023-2024 to the current first semester of 2026-2027, the two cohorts, a registrar and two lecturers
per university, and the students of both cohorts. Wording follows the shared glossary; data
strings use Western digits (the application converts them to Arabic-Indic digits where needed).

Every person named here is fictional.
"""

UNIVERSITIES = (
    {
        "code": "BGD",
        "slug": "baghdad",
        "name_ar": "جامعة بغداد",
        "name_en": "University of Baghdad",
        "city_ar": "بغداد",
        "city_en": "Baghdad",
        "signatories": (
            {
                "title_ar": "رئيس الجامعة",
                "title_en": "President of the University",
                "name_ar": "أ.د. عبد الكريم ناجي السامرائي",
                "name_en": "Prof. Dr. Abdulkareem Naji Al-Samarrai",
            },
            {
                "title_ar": "عميد الكلية",
                "title_en": "Dean of the College",
                "name_ar": "أ.د. سهى عادل الربيعي",
                "name_en": "Prof. Dr. Suha Adil Al-Rubaie",
            },
        ),
    },
    {
        "code": "TIK",
        "slug": "tikrit",
        "name_ar": "جامعة تكريت",
        "name_en": "University of Tikrit",
        "city_ar": "تكريت",
        "city_en": "Tikrit",
        "signatories": (
            {
                "title_ar": "رئيس الجامعة",
                "title_en": "President of the University",
                "name_ar": "أ.د. صباح علوان الجبوري",
                "name_en": "Prof. Dr. Sabah Alwan Al-Jubouri",
            },
            {
                "title_ar": "عميد الكلية",
                "title_en": "Dean of the College",
                "name_ar": "أ.د. ماهر حمدي العزي",
                "name_en": "Prof. Dr. Maher Hamdi Al-Azzi",
            },
        ),
    },
    {
        "code": "ANB",
        "slug": "anbar",
        "name_ar": "جامعة الأنبار",
        "name_en": "University of Anbar",
        "city_ar": "الرمادي",
        "city_en": "Ramadi",
        "signatories": (
            {
                "title_ar": "رئيس الجامعة",
                "title_en": "President of the University",
                "name_ar": "أ.د. نزار ضاري الفهداوي",
                "name_en": "Prof. Dr. Nizar Dhari Al-Fahdawi",
            },
            {
                "title_ar": "عميد الكلية",
                "title_en": "Dean of the College",
                "name_ar": "أ.د. إياد مخلف الكبيسي",
                "name_en": "Prof. Dr. Iyad Mukhlif Al-Kubaisi",
            },
        ),
    },
    {
        "code": "BSR",
        "slug": "basra",
        "name_ar": "جامعة البصرة",
        "name_en": "University of Basra",
        "city_ar": "البصرة",
        "city_en": "Basra",
        "signatories": (
            {
                "title_ar": "رئيس الجامعة",
                "title_en": "President of the University",
                "name_ar": "أ.د. جواد كاظم الأسدي",
                "name_en": "Prof. Dr. Jawad Kadhim Al-Asadi",
            },
            {
                "title_ar": "عميد الكلية",
                "title_en": "Dean of the College",
                "name_ar": "أ.د. بشرى عبد الرزاق التميمي",
                "name_en": "Prof. Dr. Bushra Abdulrazzaq Al-Tamimi",
            },
        ),
    },
    {
        "code": "KRB",
        "slug": "karbala",
        "name_ar": "جامعة كربلاء",
        "name_en": "University of Karbala",
        "city_ar": "كربلاء",
        "city_en": "Karbala",
        "signatories": (
            {
                "title_ar": "رئيس الجامعة",
                "title_en": "President of the University",
                "name_ar": "أ.د. عقيل عبد الأمير المسعودي",
                "name_en": "Prof. Dr. Aqeel Abdulameer Al-Masoudi",
            },
            {
                "title_ar": "عميد الكلية",
                "title_en": "Dean of the College",
                "name_ar": "أ.د. حسنين كاظم الحسناوي",
                "name_en": "Prof. Dr. Hasanain Kadhim Al-Hasnawi",
            },
        ),
    },
    {
        "code": "KUF",
        "slug": "kufa",
        "name_ar": "جامعة الكوفة",
        "name_en": "University of Kufa",
        "city_ar": "النجف",
        "city_en": "Najaf",
        "signatories": (
            {
                "title_ar": "رئيس الجامعة",
                "title_en": "President of the University",
                "name_ar": "أ.د. رحيم عبد الحسين الزبيدي",
                "name_en": "Prof. Dr. Raheem Abdulhussein Al-Zubaidi",
            },
            {
                "title_ar": "عميد الكلية",
                "title_en": "Dean of the College",
                "name_ar": "أ.د. أمل هادي الفتلاوي",
                "name_en": "Prof. Dr. Amal Hadi Al-Fatlawi",
            },
        ),
    },
    {
        "code": "MSL",
        "slug": "mosul",
        "name_ar": "جامعة الموصل",
        "name_en": "University of Mosul",
        "city_ar": "الموصل",
        "city_en": "Mosul",
        "signatories": (
            {
                "title_ar": "رئيس الجامعة",
                "title_en": "President of the University",
                "name_ar": "أ.د. عصام سالم الطائي",
                "name_en": "Prof. Dr. Issam Salim Al-Taie",
            },
            {
                "title_ar": "عميد الكلية",
                "title_en": "Dean of the College",
                "name_ar": "أ.د. ليث ذنون الجليلي",
                "name_en": "Prof. Dr. Laith Thanoon Al-Jalili",
            },
        ),
    },
)

# required_credits is the total of the required courses in COURSES (electives are extra).
PROGRAMME = {
    "code": "PCS",
    "name_ar": "دبلوم دراسات السلام والأزمات",
    "name_en": "Diploma in Peace and Crisis Studies",
    "required_credits": 30,
    "pass_mark": 50,
}

# Semesters 1 and 2 are the first year of a cohort, 3 and 4 the second.
COURSES = (
    {
        "code": "PCS101",
        "title_ar": "مدخل إلى نظريات السلام والنزاع",
        "title_en": "Introduction to Peace and Conflict Theory",
        "credits": 3,
        "semester": 1,
        "required": True,
    },
    {
        "code": "PCS102",
        "title_ar": "حقوق الإنسان والقانون الدولي الإنساني",
        "title_en": "Human Rights and International Humanitarian Law",
        "credits": 3,
        "semester": 1,
        "required": True,
    },
    {
        "code": "PCS103",
        "title_ar": "مناهج البحث في دراسات السلام",
        "title_en": "Research Methods in Peace Studies",
        "credits": 3,
        "semester": 1,
        "required": True,
    },
    {
        "code": "PCS104",
        "title_ar": "تحليل النزاعات",
        "title_en": "Conflict Analysis",
        "credits": 4,
        "semester": 2,
        "required": True,
    },
    {
        "code": "PCS105",
        "title_ar": "الوساطة والتفاوض",
        "title_en": "Mediation and Negotiation",
        "credits": 4,
        "semester": 2,
        "required": True,
    },
    {
        "code": "PCS106",
        "title_ar": "صحافة السلام والإعلام",
        "title_en": "Peace Journalism and the Media",
        "credits": 2,
        "semester": 2,
        "required": False,
    },
    {
        "code": "PCS201",
        "title_ar": "العدالة الانتقالية والمصالحة",
        "title_en": "Transitional Justice and Reconciliation",
        "credits": 3,
        "semester": 3,
        "required": True,
    },
    {
        "code": "PCS202",
        "title_ar": "التماسك المجتمعي والتعايش في العراق",
        "title_en": "Social Cohesion and Coexistence in Iraq",
        "credits": 3,
        "semester": 3,
        "required": True,
    },
    {
        "code": "PCS203",
        "title_ar": "النوع الاجتماعي: المرأة والسلام والأمن",
        "title_en": "Gender: Women, Peace and Security",
        "credits": 2,
        "semester": 3,
        "required": False,
    },
    {
        "code": "PCS204",
        "title_ar": "إدارة الأزمات والإنذار المبكر",
        "title_en": "Crisis Management and Early Warning",
        "credits": 3,
        "semester": 4,
        "required": True,
    },
    {
        "code": "PCS205",
        "title_ar": "المشروع الميداني",
        "title_en": "Field Project",
        "credits": 4,
        "semester": 4,
        "required": True,
    },
)

# Oldest first; the last term is the current one (October 2026 to February 2027).
TERMS = (
    {
        "key": "2023-2024-1",
        "name_ar": "الفصل الأول 2023–2024",
        "name_en": "First semester 2023–2024",
        "starts": "2023-10-01",
        "ends": "2024-02-08",
    },
    {
        "key": "2023-2024-2",
        "name_ar": "الفصل الثاني 2023–2024",
        "name_en": "Second semester 2023–2024",
        "starts": "2024-02-18",
        "ends": "2024-06-27",
    },
    {
        "key": "2024-2025-1",
        "name_ar": "الفصل الأول 2024–2025",
        "name_en": "First semester 2024–2025",
        "starts": "2024-10-06",
        "ends": "2025-02-13",
    },
    {
        "key": "2024-2025-2",
        "name_ar": "الفصل الثاني 2024–2025",
        "name_en": "Second semester 2024–2025",
        "starts": "2025-02-23",
        "ends": "2025-06-26",
    },
    {
        "key": "2025-2026-1",
        "name_ar": "الفصل الأول 2025–2026",
        "name_en": "First semester 2025–2026",
        "starts": "2025-10-05",
        "ends": "2026-02-12",
    },
    {
        "key": "2025-2026-2",
        "name_ar": "الفصل الثاني 2025–2026",
        "name_en": "Second semester 2025–2026",
        "starts": "2026-02-22",
        "ends": "2026-06-25",
    },
    {
        "key": "2026-2027-1",
        "name_ar": "الفصل الأول 2026–2027",
        "name_en": "First semester 2026–2027",
        "starts": "2026-10-04",
        "ends": "2027-02-11",
    },
)

COHORTS = (
    {
        "key": "cohort-2023",
        "name_ar": "الدفعة الأولى",
        "name_en": "First cohort",
        "start_year": 2023,
        "end_year": 2025,
    },
    {
        "key": "cohort-2025",
        "name_ar": "الدفعة الثانية",
        "name_en": "Second cohort",
        "start_year": 2025,
        "end_year": 2027,
    },
)

# Per university: the registrar (المسجل) and two lecturers (التدريسيون).
STAFF = {
    "baghdad": {
        "registrar": {
            "name_ar": "سناء عبد الجبار حميد الخزرجي",
            "name_en": "Sanaa Abduljabbar Hameed Al-Khazraji",
            "gender": "f",
        },
        "lecturers": (
            {
                "name_ar": "رائد فؤاد عبد اللطيف الهاشمي",
                "name_en": "Raed Fuad Abdullateef Al-Hashimi",
                "gender": "m",
            },
            {
                "name_ar": "هدى صبيح كاظم العكيلي",
                "name_en": "Huda Subaih Kadhim Al-Ugaili",
                "gender": "f",
            },
        ),
    },
    "tikrit": {
        "registrar": {
            "name_ar": "فراس نزار يونس الجميلي",
            "name_en": "Firas Nizar Younis Al-Jumaili",
            "gender": "m",
        },
        "lecturers": (
            {
                "name_ar": "وفاء حامد ذياب العبيدي",
                "name_en": "Wafaa Hamid Thiyab Al-Obaidi",
                "gender": "f",
            },
            {
                "name_ar": "أنور صلاح الدين مهدي البياتي",
                "name_en": "Anwar Salahaldin Mahdi Al-Bayati",
                "gender": "m",
            },
        ),
    },
    "anbar": {
        "registrar": {
            "name_ar": "عائشة مشعان حمود الدليمي",
            "name_en": "Aisha Mishaan Hammoud Al-Dulaimi",
            "gender": "f",
        },
        "lecturers": (
            {
                "name_ar": "خالد عبد العزيز نايف الحديثي",
                "name_en": "Khalid Abdulaziz Nayef Al-Hadithi",
                "gender": "m",
            },
            {
                "name_ar": "سعاد فوزي عبيد الراوي",
                "name_en": "Suad Fawzi Obaid Al-Rawi",
                "gender": "f",
            },
        ),
    },
    "basra": {
        "registrar": {
            "name_ar": "وائل عبد الحليم جاسب المنصوري",
            "name_en": "Wael Abdulhaleem Jasib Al-Mansouri",
            "gender": "m",
        },
        "lecturers": (
            {
                "name_ar": "نسرين ضياء عودة البدران",
                "name_en": "Nisreen Dhiyaa Auda Al-Badran",
                "gender": "f",
            },
            {
                "name_ar": "قاسم خلف عطية المياحي",
                "name_en": "Qasim Khalaf Atiya Al-Mayahi",
                "gender": "m",
            },
        ),
    },
    "karbala": {
        "registrar": {
            "name_ar": "إيناس رحيم عبد علي الخفاجي",
            "name_en": "Inas Raheem Abdulali Al-Khafaji",
            "gender": "f",
        },
        "lecturers": (
            {
                "name_ar": "صادق جعفر محسن الأعرجي",
                "name_en": "Sadiq Jaafar Muhsin Al-Araji",
                "gender": "m",
            },
            {
                "name_ar": "لمى هاشم عباس الكعبي",
                "name_en": "Luma Hashim Abbas Al-Kaabi",
                "gender": "f",
            },
        ),
    },
    "kufa": {
        "registrar": {
            "name_ar": "حيدر كامل صاحب الياسري",
            "name_en": "Haider Kamil Sahib Al-Yasiri",
            "gender": "m",
        },
        "lecturers": (
            {
                "name_ar": "انتصار عبد الرضا حمزة الغزالي",
                "name_en": "Intisar Abdulridha Hamza Al-Ghazali",
                "gender": "f",
            },
            {
                "name_ar": "مهند عبد الأمير كريم الفتلاوي",
                "name_en": "Muhannad Abdulameer Kareem Al-Fatlawi",
                "gender": "m",
            },
        ),
    },
    "mosul": {
        "registrar": {
            "name_ar": "غادة ذنون يونس الصائغ",
            "name_en": "Ghada Thanoon Younis Al-Sayegh",
            "gender": "f",
        },
        "lecturers": (
            {
                "name_ar": "نوفل سالم أحمد العمري",
                "name_en": "Nawfal Salim Ahmed Al-Omari",
                "gender": "m",
            },
            {
                "name_ar": "منى جرجيس يوسف شابا",
                "name_en": "Muna Jirjis Yousif Shaba",
                "gender": "f",
            },
        ),
    },
}

# Keyed by cohort key (see COHORTS). The first cohort has 44 students, the second 28.
# Student numbers are <university code>-<two-digit start year>-<sequence>.
STUDENTS = {
    "cohort-2023": (
        # First cohort (2023-2025): University of Baghdad (BGD)
        {
            "university": "baghdad",
            "name_ar": "زينب حسين علي الجبوري",
            "name_en": "Zainab Hussein Ali Al-Jubouri",
            "gender": "f",
            "student_number": "BGD-23-001",
        },
        {
            "university": "baghdad",
            "name_ar": "مصطفى كريم جاسم الساعدي",
            "name_en": "Mustafa Kareem Jassim Al-Saadi",
            "gender": "m",
            "student_number": "BGD-23-002",
        },
        {
            "university": "baghdad",
            "name_ar": "سارة يوسف بطرس حنا",
            "name_en": "Sara Yousif Boutros Hanna",
            "gender": "f",
            "student_number": "BGD-23-003",
        },
        {
            "university": "baghdad",
            "name_ar": "كاروان عمر عزيز رسول",
            "name_en": "Karwan Omar Aziz Rasul",
            "gender": "m",
            "student_number": "BGD-23-004",
        },
        {
            "university": "baghdad",
            "name_ar": "نور عبد الرحمن سلمان العزاوي",
            "name_en": "Noor Abdulrahman Salman Al-Azzawi",
            "gender": "f",
            "student_number": "BGD-23-005",
        },
        {
            "university": "baghdad",
            "name_ar": "أحمد إبراهيم خليل الربيعي",
            "name_en": "Ahmed Ibrahim Khalil Al-Rubaie",
            "gender": "m",
            "student_number": "BGD-23-006",
        },
        {
            "university": "baghdad",
            "name_ar": "رقية حيدر عباس الموسوي",
            "name_en": "Ruqaya Haider Abbas Al-Musawi",
            "gender": "f",
            "student_number": "BGD-23-007",
        },
        # First cohort (2023-2025): University of Tikrit (TIK)
        {
            "university": "tikrit",
            "name_ar": "عمر خالد حميد السامرائي",
            "name_en": "Omar Khalid Hameed Al-Samarrai",
            "gender": "m",
            "student_number": "TIK-23-001",
        },
        {
            "university": "tikrit",
            "name_ar": "آلاء محمود صالح الدوري",
            "name_en": "Alaa Mahmoud Salih Al-Douri",
            "gender": "f",
            "student_number": "TIK-23-002",
        },
        {
            "university": "tikrit",
            "name_ar": "يشار نجم الدين قاسم البياتي",
            "name_en": "Yashar Najmaldin Qasim Al-Bayati",
            "gender": "m",
            "student_number": "TIK-23-003",
        },
        {
            "university": "tikrit",
            "name_ar": "هبة سعد عبد الله الجبوري",
            "name_en": "Hiba Saad Abdullah Al-Jubouri",
            "gender": "f",
            "student_number": "TIK-23-004",
        },
        {
            "university": "tikrit",
            "name_ar": "مروان فاضل حسن العبيدي",
            "name_en": "Marwan Fadhil Hassan Al-Obaidi",
            "gender": "m",
            "student_number": "TIK-23-005",
        },
        {
            "university": "tikrit",
            "name_ar": "نرجس عرفان رشيد الصالحي",
            "name_en": "Narjis Irfan Rasheed Al-Salihi",
            "gender": "f",
            "student_number": "TIK-23-006",
        },
        # First cohort (2023-2025): University of Anbar (ANB)
        {
            "university": "anbar",
            "name_ar": "عبد الرحمن ياسين طه الدليمي",
            "name_en": "Abdulrahman Yaseen Taha Al-Dulaimi",
            "gender": "m",
            "student_number": "ANB-23-001",
        },
        {
            "university": "anbar",
            "name_ar": "أسماء ثامر مجيد الكبيسي",
            "name_en": "Asmaa Thamer Majeed Al-Kubaisi",
            "gender": "f",
            "student_number": "ANB-23-002",
        },
        {
            "university": "anbar",
            "name_ar": "محمد عادل جمعة الفهداوي",
            "name_en": "Mohammed Adil Jumaa Al-Fahdawi",
            "gender": "m",
            "student_number": "ANB-23-003",
        },
        {
            "university": "anbar",
            "name_ar": "شيماء وليد عبد الكريم العاني",
            "name_en": "Shaimaa Waleed Abdulkareem Al-Ani",
            "gender": "f",
            "student_number": "ANB-23-004",
        },
        {
            "university": "anbar",
            "name_ar": "أسامة رعد فرحان المحمدي",
            "name_en": "Osama Raad Farhan Al-Mohammadi",
            "gender": "m",
            "student_number": "ANB-23-005",
        },
        {
            "university": "anbar",
            "name_ar": "إسراء نبيل شاكر الراوي",
            "name_en": "Israa Nabeel Shakir Al-Rawi",
            "gender": "f",
            "student_number": "ANB-23-006",
        },
        # First cohort (2023-2025): University of Basra (BSR)
        {
            "university": "basra",
            "name_ar": "حسن عبد الأمير جبار التميمي",
            "name_en": "Hassan Abdulameer Jabbar Al-Tamimi",
            "gender": "m",
            "student_number": "BSR-23-001",
        },
        {
            "university": "basra",
            "name_ar": "فاطمة كاظم مهدي المالكي",
            "name_en": "Fatima Kadhim Mahdi Al-Maliki",
            "gender": "f",
            "student_number": "BSR-23-002",
        },
        {
            "university": "basra",
            "name_ar": "علي سلام ناصر البطاط",
            "name_en": "Ali Salam Nasir Al-Battat",
            "gender": "m",
            "student_number": "BSR-23-003",
        },
        {
            "university": "basra",
            "name_ar": "ريتا جورج توما إلياس",
            "name_en": "Rita George Toma Elias",
            "gender": "f",
            "student_number": "BSR-23-004",
        },
        {
            "university": "basra",
            "name_ar": "إيمان عقيل منصور الحلفي",
            "name_en": "Eman Aqeel Mansour Al-Helfi",
            "gender": "f",
            "student_number": "BSR-23-005",
        },
        {
            "university": "basra",
            "name_ar": "مؤمل رياض كامل الأسدي",
            "name_en": "Muammal Riyadh Kamil Al-Asadi",
            "gender": "m",
            "student_number": "BSR-23-006",
        },
        # First cohort (2023-2025): University of Karbala (KRB)
        {
            "university": "karbala",
            "name_ar": "سجاد عبد الحسين محسن الخفاجي",
            "name_en": "Sajjad Abdulhussein Muhsin Al-Khafaji",
            "gender": "m",
            "student_number": "KRB-23-001",
        },
        {
            "university": "karbala",
            "name_ar": "زهراء علاء هادي الحسناوي",
            "name_en": "Zahraa Alaa Hadi Al-Hasnawi",
            "gender": "f",
            "student_number": "KRB-23-002",
        },
        {
            "university": "karbala",
            "name_ar": "منتظر حميد رزاق المسعودي",
            "name_en": "Muntadhar Hameed Razzaq Al-Masoudi",
            "gender": "m",
            "student_number": "KRB-23-003",
        },
        {
            "university": "karbala",
            "name_ar": "بنين قاسم عبد الزهرة الشمري",
            "name_en": "Baneen Qasim Abdulzahra Al-Shammari",
            "gender": "f",
            "student_number": "KRB-23-004",
        },
        {
            "university": "karbala",
            "name_ar": "حوراء مهند صادق المعموري",
            "name_en": "Hawraa Muhannad Sadiq Al-Mamouri",
            "gender": "f",
            "student_number": "KRB-23-005",
        },
        {
            "university": "karbala",
            "name_ar": "حيدر جواد كريم الكعبي",
            "name_en": "Haider Jawad Kareem Al-Kaabi",
            "gender": "m",
            "student_number": "KRB-23-006",
        },
        # First cohort (2023-2025): University of Kufa (KUF)
        {
            "university": "kufa",
            "name_ar": "علي حسين جعفر الياسري",
            "name_en": "Ali Hussein Jaafar Al-Yasiri",
            "gender": "m",
            "student_number": "KUF-23-001",
        },
        {
            "university": "kufa",
            "name_ar": "دعاء محمد جواد الفتلاوي",
            "name_en": "Duaa Mohammed Jawad Al-Fatlawi",
            "gender": "f",
            "student_number": "KUF-23-002",
        },
        {
            "university": "kufa",
            "name_ar": "كرار ستار عبيد الزبيدي",
            "name_en": "Karrar Sattar Obaid Al-Zubaidi",
            "gender": "m",
            "student_number": "KUF-23-003",
        },
        {
            "university": "kufa",
            "name_ar": "رسل حمزة عبد علي الميالي",
            "name_en": "Rusul Hamza Abdulali Al-Mayali",
            "gender": "f",
            "student_number": "KUF-23-004",
        },
        {
            "university": "kufa",
            "name_ar": "تبارك فلاح عيدان الشبلي",
            "name_en": "Tabarak Falah Edan Al-Shibli",
            "gender": "f",
            "student_number": "KUF-23-005",
        },
        {
            "university": "kufa",
            "name_ar": "ميثم عدنان ضياء الجزائري",
            "name_en": "Maitham Adnan Dhiyaa Al-Jazairi",
            "gender": "m",
            "student_number": "KUF-23-006",
        },
        {
            "university": "kufa",
            "name_ar": "سكينة باسم مجيد العامري",
            "name_en": "Sakina Basim Majeed Al-Amiri",
            "gender": "f",
            "student_number": "KUF-23-007",
        },
        # First cohort (2023-2025): University of Mosul (MSL)
        {
            "university": "mosul",
            "name_ar": "يونس عبد الجبار محمود الطائي",
            "name_en": "Younis Abduljabbar Mahmoud Al-Taie",
            "gender": "m",
            "student_number": "MSL-23-001",
        },
        {
            "university": "mosul",
            "name_ar": "جيهان خيري خلف رشو",
            "name_en": "Jihan Khairi Khalaf Rasho",
            "gender": "f",
            "student_number": "MSL-23-002",
        },
        {
            "university": "mosul",
            "name_ar": "بهنام متي يوسف ججو",
            "name_en": "Behnam Matti Yousif Jajo",
            "gender": "m",
            "student_number": "MSL-23-003",
        },
        {
            "university": "mosul",
            "name_ar": "رغد غانم سالم الحيالي",
            "name_en": "Raghad Ghanim Salim Al-Hayali",
            "gender": "f",
            "student_number": "MSL-23-004",
        },
        {
            "university": "mosul",
            "name_ar": "عبد الله قصي أكرم العمري",
            "name_en": "Abdullah Qusay Akram Al-Omari",
            "gender": "m",
            "student_number": "MSL-23-005",
        },
        {
            "university": "mosul",
            "name_ar": "ليلى سعد الله نوري الجليلي",
            "name_en": "Layla Saadallah Noori Al-Jalili",
            "gender": "f",
            "student_number": "MSL-23-006",
        },
    ),
    "cohort-2025": (
        # Second cohort (2025-2027): University of Baghdad (BGD)
        {
            "university": "baghdad",
            "name_ar": "ياسمين سرمد نزار الحسيني",
            "name_en": "Yasmin Sarmad Nizar Al-Husseini",
            "gender": "f",
            "student_number": "BGD-25-001",
        },
        {
            "university": "baghdad",
            "name_ar": "سيف عماد رشيد الكرخي",
            "name_en": "Saif Imad Rasheed Al-Karkhi",
            "gender": "m",
            "student_number": "BGD-25-002",
        },
        {
            "university": "baghdad",
            "name_ar": "شيلان دلشاد كريم محمد",
            "name_en": "Shilan Dilshad Kareem Mohammed",
            "gender": "f",
            "student_number": "BGD-25-003",
        },
        {
            "university": "baghdad",
            "name_ar": "سركون نينوس يوخنا شمعون",
            "name_en": "Sargon Ninos Youkhana Shimon",
            "gender": "m",
            "student_number": "BGD-25-004",
        },
        # Second cohort (2025-2027): University of Tikrit (TIK)
        {
            "university": "tikrit",
            "name_ar": "مصعب حازم عبد الستار الجبوري",
            "name_en": "Musab Hazim Abdulsattar Al-Jubouri",
            "gender": "m",
            "student_number": "TIK-25-001",
        },
        {
            "university": "tikrit",
            "name_ar": "رحمة طارق ذياب العزي",
            "name_en": "Rahma Tariq Thiyab Al-Azzi",
            "gender": "f",
            "student_number": "TIK-25-002",
        },
        {
            "university": "tikrit",
            "name_ar": "آيدن صباح أنور كهية",
            "name_en": "Aydin Sabah Anwar Kahya",
            "gender": "m",
            "student_number": "TIK-25-003",
        },
        {
            "university": "tikrit",
            "name_ar": "سرى عدي جاسم الدوري",
            "name_en": "Sura Uday Jassim Al-Douri",
            "gender": "f",
            "student_number": "TIK-25-004",
        },
        # Second cohort (2025-2027): University of Anbar (ANB)
        {
            "university": "anbar",
            "name_ar": "بلال مازن عبد الحميد العلواني",
            "name_en": "Bilal Mazin Abdulhameed Al-Alwani",
            "gender": "m",
            "student_number": "ANB-25-001",
        },
        {
            "university": "anbar",
            "name_ar": "آمنة سعدون حمد العيساوي",
            "name_en": "Amna Saadoun Hamad Al-Issawi",
            "gender": "f",
            "student_number": "ANB-25-002",
        },
        {
            "university": "anbar",
            "name_ar": "ضحى إياد عبد الوهاب الهيتي",
            "name_en": "Dhuha Iyad Abdulwahhab Al-Hiti",
            "gender": "f",
            "student_number": "ANB-25-003",
        },
        {
            "university": "anbar",
            "name_ar": "أنس ماجد فيصل الكربولي",
            "name_en": "Anas Majid Faisal Al-Karbouli",
            "gender": "m",
            "student_number": "ANB-25-004",
        },
        # Second cohort (2025-2027): University of Basra (BSR)
        {
            "university": "basra",
            "name_ar": "عباس ناظم حسين العيداني",
            "name_en": "Abbas Nadhim Hussein Al-Edani",
            "gender": "m",
            "student_number": "BSR-25-001",
        },
        {
            "university": "basra",
            "name_ar": "نبأ عبد الكاظم جبر الكناني",
            "name_en": "Nabaa Abdulkadhim Jabr Al-Kinani",
            "gender": "f",
            "student_number": "BSR-25-002",
        },
        {
            "university": "basra",
            "name_ar": "نادين سامي فرنسيس داود",
            "name_en": "Nadine Sami Francis Dawood",
            "gender": "f",
            "student_number": "BSR-25-003",
        },
        {
            "university": "basra",
            "name_ar": "أمير عبد الرزاق طالب الساعدي",
            "name_en": "Ameer Abdulrazzaq Talib Al-Saadi",
            "gender": "m",
            "student_number": "BSR-25-004",
        },
        # Second cohort (2025-2027): University of Karbala (KRB)
        {
            "university": "karbala",
            "name_ar": "مرتضى فاضل عبد الحسن الخزعلي",
            "name_en": "Murtadha Fadhil Abdulhasan Al-Khazali",
            "gender": "m",
            "student_number": "KRB-25-001",
        },
        {
            "university": "karbala",
            "name_ar": "غدير نصير عبد الأمير الطويرجاوي",
            "name_en": "Ghadeer Naseer Abdulameer Al-Tuwairjawi",
            "gender": "f",
            "student_number": "KRB-25-002",
        },
        {
            "university": "karbala",
            "name_ar": "رباب حسن جليل الموسوي",
            "name_en": "Rabab Hassan Jaleel Al-Musawi",
            "gender": "f",
            "student_number": "KRB-25-003",
        },
        {
            "university": "karbala",
            "name_ar": "حسين رحيم كاظم الشمري",
            "name_en": "Hussein Raheem Kadhim Al-Shammari",
            "gender": "m",
            "student_number": "KRB-25-004",
        },
        # Second cohort (2025-2027): University of Kufa (KUF)
        {
            "university": "kufa",
            "name_ar": "مهدي صالح مطر الفتلاوي",
            "name_en": "Mahdi Salih Matar Al-Fatlawi",
            "gender": "m",
            "student_number": "KUF-25-001",
        },
        {
            "university": "kufa",
            "name_ar": "زينب ثائر عبد المحسن العبودي",
            "name_en": "Zainab Thaer Abdulmuhsin Al-Abboudi",
            "gender": "f",
            "student_number": "KUF-25-002",
        },
        {
            "university": "kufa",
            "name_ar": "حنين ليث شاكر الكلابي",
            "name_en": "Haneen Laith Shakir Al-Kilabi",
            "gender": "f",
            "student_number": "KUF-25-003",
        },
        {
            "university": "kufa",
            "name_ar": "أحمد رضا هاشم الخرسان",
            "name_en": "Ahmed Ridha Hashim Al-Khirsan",
            "gender": "m",
            "student_number": "KUF-25-004",
        },
        # Second cohort (2025-2027): University of Mosul (MSL)
        {
            "university": "mosul",
            "name_ar": "خيري دخيل قاسم حجي",
            "name_en": "Khairi Dakheel Qasim Hajji",
            "gender": "m",
            "student_number": "MSL-25-001",
        },
        {
            "university": "mosul",
            "name_ar": "هيفين ريبوار عثمان أحمد",
            "name_en": "Hevin Rebwar Othman Ahmed",
            "gender": "f",
            "student_number": "MSL-25-002",
        },
        {
            "university": "mosul",
            "name_ar": "مارينا نوئيل عزيز متي",
            "name_en": "Marina Noel Aziz Matti",
            "gender": "f",
            "student_number": "MSL-25-003",
        },
        {
            "university": "mosul",
            "name_ar": "يحيى عبد الغني سعيد الحمداني",
            "name_en": "Yahya Abdulghani Saeed Al-Hamdani",
            "gender": "m",
            "student_number": "MSL-25-004",
        },
    ),
}

# What the lecturers of the current term's courses have posted, the same at every university: one PDF
# lecture a week (weeks 1-3), a link (with the second lecture) and a Markdown note (with the first), and
# announcements (oldest first). Each lecture is (topic of the week, short title); the seed names the files
# "المحاضرة الأولى - <short title>.pdf" and so on.
LECTURE_ORDINALS = ("الأولى", "الثانية", "الثالثة")

COURSE_MATERIALS = {
    "PCS201": {
        "lectures": (
            ("مفهوم العدالة الانتقالية وأركانها", "مدخل"),
            ("لجان الحقيقة وجبر الضرر", "لجان الحقيقة"),
            ("تجارب المصالحة في العراق والعالم", "تجارب المصالحة"),
        ),
        "link": {
            "title": "الأمم المتحدة: العدالة الانتقالية وسيادة القانون",
            "url": "https://www.un.org/ruleoflaw/ar/",
        },
        "note": {
            "title": "قراءات الأسبوع الأول",
            "body": "يُرجى قراءة ما يأتي قبل المحاضرة الثانية:\n\n"
                    "1. **الفصل الأول** من كتاب المقرر: تعريف العدالة الانتقالية.\n"
                    "2. ملخص تقرير لجنة الحقيقة والمصالحة في جنوب أفريقيا.\n\n"
                    "*سنناقش القراءات في الدقائق العشرين الأولى من المحاضرة.*",
        },
        "announcements": (
            {
                "title": "أهلاً بكم في مقرر العدالة الانتقالية والمصالحة",
                "body": "تبدأ المحاضرات يوم الأحد في الساعة العاشرة صباحاً في قاعة الدراسات العليا.\n\n"
                        "تجدون المحاضرات وقائمة القراءات في صفحة المقرر أسبوعاً بأسبوع.",
            },
            {
                "title": "موعد تسليم ورقة العمل الأولى",
                "body": "تُسلَّم ورقة العمل الأولى (**ألف كلمة** عن تجربة لجنة حقيقة تختارونها) "
                        "في نهاية الأسبوع الخامس.",
            },
        ),
    },
    "PCS202": {
        "lectures": (
            ("التنوع الديني والقومي في المجتمع العراقي", "التنوع في العراق"),
            ("مؤشرات التماسك المجتمعي وقياسه", "مؤشرات التماسك"),
            ("مبادرات التعايش المحلية بعد عام 2017", "مبادرات التعايش"),
        ),
        "link": {
            "title": "بعثة الأمم المتحدة لمساعدة العراق (يونامي)",
            "url": "https://iraq.un.org/ar",
        },
        "note": {
            "title": "نشاط الأسبوع الأول: خريطة مجتمعي",
            "body": "ارسم خريطة مبسطة لمنطقتك تبيّن:\n\n"
                    "- أماكن العبادة والأسواق والمدارس المشتركة\n"
                    "- الأماكن التي يلتقي فيها الناس من مكونات مختلفة\n\n"
                    "وأحضرها معك إلى المحاضرة الثانية للنقاش في مجموعات.",
        },
        "announcements": (
            {
                "title": "أهلاً بكم في مقرر التماسك المجتمعي والتعايش في العراق",
                "body": "يعتمد المقرر على النقاش والعمل في مجموعات، فاحرصوا على قراءة مادة كل أسبوع قبل "
                        "المحاضرة.",
            },
        ),
    },
    "PCS203": {
        "lectures": (
            ("قرار مجلس الأمن 1325 وأجندة المرأة والسلام والأمن", "القرار 1325"),
            ("دور المرأة في بناء السلام المحلي", "المرأة وبناء السلام"),
            ("الخطة الوطنية العراقية للقرار 1325", "الخطة الوطنية"),
        ),
        "link": {
            "title": "هيئة الأمم المتحدة للمرأة: المرأة والسلام والأمن",
            "url": "https://arabstates.unwomen.org/ar",
        },
        "note": {
            "title": "أسئلة للنقاش",
            "body": "فكّروا في الأسئلة الآتية قبل المحاضرة الثانية:\n\n"
                    "1. لماذا تغيب المرأة عن طاولات التفاوض في أغلب النزاعات؟\n"
                    "2. ما الذي يمكن أن تضيفه مشاركتها إلى **استدامة** اتفاقات السلام؟",
        },
        "announcements": (
            {
                "title": "أهلاً بكم في مقرر المرأة والسلام والأمن",
                "body": "هذا مقرر اختياري من وحدتين، يُدرَّس مرة واحدة في الأسبوع.",
            },
            {
                "title": "محاضرة ضيفة في الأسبوع الرابع",
                "body": "تستضيف الشعبة في الأسبوع الرابع ناشطة من منظمة محلية تعمل مع النساء النازحات. "
                        "يُرجى إعداد سؤال واحد على الأقل.",
            },
        ),
    },
}

# --- grades ------------------------------------------------------------------------------------------
# Every gradebook of the demo has the default assessments: coursework (السعي, 40%) and the final exam
# (60%), each out of 100. The seed draws each student's marks around a level of their own (the same draw
# every time: seeded by student number and course code). Levels run from GRADE_LEVELS; the students of
# EXCELLENT_STUDENTS are top of their university. A drawn course mark never falls below
# LOWEST_DRAWN_MARK, so the only failures of the first cohort are those of SECOND_ROUND below.
GRADE_LEVELS = (62, 88)
EXCELLENT_STUDENTS = {
    "BGD-23-002": 94, "TIK-23-004": 92, "ANB-23-001": 91, "BSR-23-005": 93, "KRB-23-002": 95,
    "KUF-23-003": 92, "MSL-23-006": 94,
}
LOWEST_DRAWN_MARK = 52

# First-cohort students who failed a course in the first round (course mark < 50) and passed its second
# round (الدور الثاني): their first-round coursework and final, and the final they re-sat. The programme caps
# a second-round mark at the pass mark.
SECOND_ROUND = (
    {"student_number": "BGD-23-004", "course": "PCS103", "coursework": 52, "final": 31, "second_final": 64},
    {"student_number": "TIK-23-005", "course": "PCS104", "coursework": 47, "final": 38, "second_final": 61},
    {"student_number": "ANB-23-003", "course": "PCS102", "coursework": 55, "final": 29.5, "second_final": 58},
    {"student_number": "BSR-23-006", "course": "PCS201", "coursework": 44, "final": 41, "second_final": 66},
    {"student_number": "KRB-23-004", "course": "PCS105", "coursework": 50, "final": 36, "second_final": 57.5},
    {"student_number": "KUF-23-006", "course": "PCS204", "coursework": 58, "final": 24, "second_final": 62},
    {"student_number": "MSL-23-003", "course": "PCS101", "coursework": 49, "final": 40, "second_final": 70},
)

# When the first cohort's marks went through the workflow: days after the end of the course's term.
FIRST_ROUND_SUBMITTED_DAYS, FIRST_ROUND_PUBLISHED_DAYS = 12, 19
SECOND_ROUND_SUBMITTED_DAYS, SECOND_ROUND_PUBLISHED_DAYS = 40, 44

# The second cohort's current term. At every university one gradebook is a draft in progress: the
# coursework of all its students but the last is entered, no final exam yet. At Mosul, one more
# gradebook is complete and submitted, waiting for the registrar's approval.
DRAFT_GRADEBOOKS = {
    "baghdad": "PCS201", "tikrit": "PCS201", "anbar": "PCS201", "basra": "PCS201", "karbala": "PCS201",
    "kufa": "PCS201", "mosul": "PCS202",
}
SUBMITTED_GRADEBOOKS = {"mosul": "PCS201"}
# Days after the start of the current term when the marks were entered, and when submitted.
DRAFT_MARKS_DAYS, SUBMITTED_DAYS = 45, 52
