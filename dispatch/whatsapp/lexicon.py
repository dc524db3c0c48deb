"""Words of Malang market WhatsApp orders: units, numbers, fillers, products, markets.

Plain data only, so the parser's rules stay readable and the word lists can grow without
touching them. Every entry is lower case; the parser lower-cases and squeezes repeated
letters (``tahuuu`` -> ``tahu``) before looking anything up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final


def _words(text: str) -> frozenset[str]:
    """The words of a long list written as plain text, one space apart."""
    return frozenset(text.split())


#: Unit words as customers write them -> the unit of `parser.UNITS`.
UNIT_ALIASES: Final[Mapping[str, str]] = {
    **dict.fromkeys(("kg", "kgs", "kilo", "kilogram", "klo", "kh", "kilo2"), "kg"),
    **dict.fromkeys(("ons", "ones"), "ons"),
    **dict.fromkeys(("gram", "gr", "grm", "g", "grams", "gran"), "gram"),
    **dict.fromkeys(("ikat", "iket", "ikt", "ikatan"), "ikat"),
    **dict.fromkeys(("bungkus", "bks", "bgks", "bngks", "bkus", "bungkos", "bngkus"), "bungkus"),
    **dict.fromkeys(("biji", "bj", "bji", "bij", "butir", "btr", "pcs", "pc", "pieces"), "biji"),
    **dict.fromkeys(("buah", "bh", "bua"), "buah"),
    **dict.fromkeys(("liter", "ltr", "l", "lt", "litr", "litre", "liter2"), "liter"),
    **dict.fromkeys(("ekor", "ekr", "ekoe"), "ekor"),
    **dict.fromkeys(("papan", "ppn"), "papan"),
    **dict.fromkeys(("sisir", "ssr"), "sisir"),
    **dict.fromkeys(("potong", "ptg", "ptng"), "potong"),
    **dict.fromkeys(("renteng", "renceng", "rtg", "rentengan", "rencengan"), "renteng"),
    **dict.fromkeys(("pack", "pak", "pax", "pck", "packs", "pek"), "pack"),
}

#: Container and counting words outside `parser.UNITS`: the number is kept, the unit is not
#: (``kecap 1 botol`` reads as quantity 1, no unit; the word leaves the name).
OTHER_UNITS: Final[frozenset[str]] = frozenset(
    {
        "botol", "btl", "kaleng", "klg", "karung", "krg", "sak", "dus", "dos", "kardus",
        "kotak", "box", "ruas", "batang", "btg", "keping", "sachet", "saset", "meter", "paket",
        "lembar", "lbr", "tray", "bonggol", "lonjor", "kantong", "kantung", "plastik", "porsi",
        "tangkai", "siung", "galon", "cup", "gelas", "mangkok", "tusuk", "bal", "pasang",
        "toples", "ember", "tampah", "wadah", "cepuk", "blek",
    }
)  # fmt: skip

#: Counting words that say how many people, not how much to buy (``buat 10 orang``).
PEOPLE_COUNTERS: Final[frozenset[str]] = frozenset({"orang", "org", "jiwa"})

#: Number words (Indonesian, Javanese ngoko and krama).
NUMBER_WORDS: Final[Mapping[str, float]] = {
    "satu": 1, "siji": 1, "setunggal": 1, "sitok": 1, "situk": 1,
    "dua": 2, "loro": 2, "kalih": 2, "kaleh": 2,
    "tiga": 3, "telu": 3, "tigo": 3,
    "empat": 4, "papat": 4, "sekawan": 4,
    "lima": 5, "limo": 5, "gangsal": 5,
    "enam": 6, "enem": 6,
    "tujuh": 7, "pitu": 7,
    "delapan": 8, "wolu": 8,
    "sembilan": 9, "songo": 9, "sanga": 9,
    "sepuluh": 10, "sedasa": 10,
    "sebelas": 11,
    "selusin": 12, "lusin": 12,
    "seratus": 100, "satus": 100,
}  # fmt: skip

#: Fractions said in words; alone they mean a fraction of a kilo (``seperempat`` = 0.25 kg).
FRACTION_WORDS: Final[Mapping[str, float]] = {
    "setengah": 0.5, "stengah": 0.5, "stgh": 0.5, "sètengah": 0.5, "separo": 0.5,
    "separuh": 0.5, "sprapat": 0.25, "seprapat": 0.25, "seperempat": 0.25, "seperapat": 0.25,
    "sprempat": 0.25, "sepertiga": 1 / 3, "tigaperempat": 0.75, "telungprapat": 0.75,
}  # fmt: skip

#: ``se`` + unit in one word (``sekilo``, ``seons``, Javanese ``sak kilo`` is handled apart).
ONE_UNIT_WORDS: Final[Mapping[str, str | None]] = {
    "sekilo": "kg", "sakilo": "kg", "seons": "ons", "sakons": "ons", "seikat": "ikat",
    "sebungkus": "bungkus", "sebiji": "biji", "sebuah": "buah", "seliter": "liter",
    "seekor": "ekor", "sepapan": "papan", "sesisir": "sisir", "sepotong": "potong",
    "serenteng": "renteng", "serenceng": "renteng", "sekarung": None, "sebotol": None,
    "sekotak": None, "sedus": None,
}  # fmt: skip

#: Words that join two items in one sentence (besides commas): ``sama``, Javanese ``karo``.
ITEM_JOINERS: Final[frozenset[str]] = frozenset(
    {"sama", "sm", "ama", "dan", "dn", "&", "+", "terus", "trus", "trs", "karo", "kro",
     "ambek", "ambi", "kaliyan", "kalian", "serta", "plus", "juga", "tambah"}
)  # fmt: skip

#: ``kalih``/``kaleh`` mean "two" before a unit, otherwise "and" (krama Javanese).
AMBIGUOUS_TWO_OR_AND: Final[frozenset[str]] = frozenset({"kalih", "kaleh"})

#: Words that start a request to buy: their presence makes a message an order.
ORDER_VERBS: Final[frozenset[str]] = frozenset(
    {
        "pesan", "pesen", "psn", "psen", "mesen", "memesan", "order", "orderan", "beli",
        "beliin", "belikan", "belanjain", "belanjakan", "tumbas", "tumbaske", "tuku",
        "tukokno", "titip", "nitip", "dipundutke", "pundutke", "tambah", "nambah", "tmbh",
        "dibelikan", "dibeliin", "dibelanjakan", "dibelanjain", "butuh", "perlu", "pesenin",
        "pesankan", "pesenke", "tumbasno", "tumbasaken", "ulang", "diulang", "ulangi",
        "repeat", "reorder",
    }
)  # fmt: skip

#: Words with no bearing on what is ordered: greetings, honorifics, politeness, pronouns.
FILLERS: Final[frozenset[str]] = frozenset(
    {
        # greetings and closings
        "assalamualaikum", "assalamu'alaikum", "assalamu", "alaikum", "'alaikum", "ass",
        "askum", "asw", "warahmatullahi", "wabarakatuh", "wr", "wb", "selamat", "halo",
        "hallo", "hai", "hi", "permisi", "punten",
        "sugeng", "enjing", "pagi2", "makasih", "makasi", "mksh", "terima", "kasih", "trims",
        "trimakasih", "thanks", "thx", "tq", "matur", "nuwun", "suwun", "sanget", "nuhun",
        "maaf", "mohon", "ngapunten", "nyuwun", "sewu", "tulung", "tolong", "tlg", "tolongin",
        "minta", "mengganggu", "ganggu", "mbak", "mba", "mbk", "mb", "bu", "ibu", "buk",
        "pak", "bapak", "pk", "mas", "kak", "kakak", "ka", "dik", "dek", "adik", "om", "cak",
        "ning", "bude", "budhe", "pakde", "nawak", "sam", "lur",
        # particles and small words
        "ya", "yaa", "yah", "yo", "iya", "nggih", "ngih", "njih", "inggih", "geh", "dong",
        "donk", "deh", "sih", "nih", "lho", "loh", "kok", "kan", "aja", "saja", "mawon",
        "wae", "ae", "tok", "juga", "lagi", "dulu", "nanti", "ntar", "nti", "mangke", "ini",
        "itu", "niki", "nika", "tadi", "hari", "hr", "kalau", "kalo", "klo", "klau", "kl",
        "bisa", "bs", "boleh", "bantu", "dibantu", "seperti", "kayak",
        "kyk", "biasa", "biasanya", "kemarin", "kmrn", "tapi", "tp", "terus", "oh", "eh",
        "nggeh", "wes", "wis", "sudah", "udah", "sdh", "dah", "mau", "mo", "pengen", "pingin",
        "kepingin", "ingin", "tak", "ta", "lah", "pun", "ok", "oke", "okey", "okay", "sip",
        "siap", "baik", "hehe", "hihi", "haha", "wkwk", "wkwkwk", "sekalian", "skalian",
        "rek", "arek", "ayo", "yuk", "njeh", "gih", "ges", "guys", "gan",
        # pronouns and people
        "saya", "sy", "aku", "ak", "aq", "kulo", "kula", "ayas", "gue", "gw", "kami", "kita",
        "saia", "q", "dalem", "panjenengan", "sampean", "sampeyan", "njenengan",
        # order framing
        "daftar", "belanja", "belanjaan", "blanja", "pesanan", "pesenan", "pesananku",
        "pesanannya", "list", "catatan", "order", "orderan", "barang", "barangnya",
        "yaitu", "berikut", "antara", "ada", "ono", "wonten", "sing",
        "nya", "dengan", "dgn", "pakai", "pake", "secukupnya", "seadanya", "kira2", "kira-kira",
        "sekitar", "kurang", "lebih",
        "hrs", "harus", "pls", "please", "plis", "semua", "semuanya", "total", "jadi",
        "dikit", "sedikit", "agak", "banyak", "pokoknya", "pokok", "usahakan",
        "diusahakan", "cepet", "jam", "jm", "pukul", "pkl", "sendiri", "sndiri",
        "piyambak", "dewe", "bayar", "bayarnya", "pembayaran", "byr", "kurir", "kurirnya",
        "dipun", "griyo", "rumah", "rmh", "lewat", "via", "pas", "sampai",
        "sampe", "kirim", "tanya", "nanya", "acara", "arisan", "masak",
        "siapin", "disiapin", "siapkan", "disiapkan", "siapkno", "bareng", "barengan",
        "bantuin",
    }
)  # fmt: skip

#: Words after ``yang``/``yg`` that only say "good quality", dropped with it.
QUALITY_WORDS: Final[frozenset[str]] = frozenset(
    {"seger", "segar", "bagus", "bagus2", "fresh", "baru", "mulus", "enak", "murah",
     "bgs", "apik", "oke", "ok", "pilihan", "super", "bersih", "mantap"}
)  # fmt: skip

#: Words that open a note about an item (preparation, purpose): the rest of the segment
#: is not part of the name.
NOTE_STARTERS: Final[frozenset[str]] = frozenset(
    {
        "yg", "yang", "sing", "buat", "untuk", "utk", "bwt", "kanggo", "gawe", "dipotong",
        "dipotong2", "potongan", "dibersihkan", "dibersihin", "dibersihno", "digiling",
        "diparut", "dikupas", "dipisah", "dibungkus", "jangan", "jgn", "ojo", "gak",
        "ga", "tidak", "tdk", "mboten", "nggak", "ngga", "tanpa", "dicuci", "dipilih",
        "pilih", "pilihin", "dipilihkan", "soalnya", "karena", "krn", "biar", "supaya",
        "dimasak", "dibuang", "dipotong-potong", "diiris", "dicincang", "dibelah",
    }
)  # fmt: skip

#: Words that mark a message as a complaint or report about an earlier order (not ``kurang``:
#: ``kurang lebih 1 kg`` is how people say "about 1 kg").
COMPLAINT_WORDS: Final[frozenset[str]] = frozenset(
    {"pecah", "busuk", "rusak", "layu", "basi", "kembalian", "kembaliannya", "hilang",
     "ketinggalan", "komplain", "retur"}
)  # fmt: skip

#: Words of thanks: a message of thanks with no item in it closes a conversation.
THANKS_WORDS: Final[frozenset[str]] = frozenset(
    {"makasih", "makasi", "mksh", "kasih", "trims", "trimakasih", "thanks", "thx", "tq",
     "nuwun", "suwun", "maturnuwun", "matursuwun", "nuhun"}
)  # fmt: skip

#: Words that cancel an order.
CANCEL_WORDS: Final[frozenset[str]] = frozenset(
    {"batal", "dibatalkan", "dibatalin", "cancel", "dicancel", "batalkan", "cancelled"}
)

#: Single-message non-orders that platforms or customers send as text.
NON_ORDER_TEXTS: Final[frozenset[str]] = frozenset(
    {
        "[stiker]", "[sticker]", "sticker", "stiker", "<media omitted>", "<media tidak disertakan>",
        "[lokasi]", "[location]", "[gambar]", "[image]", "[foto]", "[video]", "[audio]",
        "[voice note]", "p", "pp", "ping", "test", "tes",
    }
)  # fmt: skip

#: Words that make a question ask for information (stock, price, hours) rather than order.
INFO_QUESTION_WORDS: Final[frozenset[str]] = frozenset(
    {"berapa", "brp", "brapa", "pira", "piro", "kapan", "gimana", "bagaimana", "gmn",
     "mana", "apakah", "apa", "harga", "hrg", "ongkir", "ongkirnya", "buka", "tutup", "libur",
     "rekening", "rekeningnya", "norek", "nomor", "belum", "blm", "sudah", "udah", "sampai",
     "sampe", "mengapa", "kenapa", "knp", "ada", "ono", "wonten", "tanya", "nanya", "diskon",
     "promo", "masih", "ready", "stok", "gak", "ga", "nggak", "tidak", "kah"}
)  # fmt: skip

#: Product and descriptor words sold at the markets; names made of them are trusted and
#: typos are corrected towards them (``bawamg`` -> ``bawang``).
PRODUCT_WORDS: Final[frozenset[str]] = _words(
    """
    bawang merah putih bombay daun prei cabe cabai rawit besar keriting hijau ijo lombok
    brambang tomat telur ayam kampung negeri potong broiler daging sapi kambing giling has
    dalam luar tetelan tulang iga buntut kikil babat paru hati ati ampela ceker sayap dada
    paha fillet kulit jeroan ikan tongkol bandeng lele gurami gurame nila mujair patin tuna
    salem teri asin kakap tengiri kembung cakalang pindang layang baronang bawal udang galah
    vaname rebon cumi sotong kerang hijau dara kepiting rajungan tahu kuning sutra tempe
    kangkung bayam bayem sawi pakcoy caisim selada kol kubis wortel kentang buncis kacang
    panjang tanah merah polong terong terung timun mentimun labu siam jipang pare paria
    jagung manis pipil muda kecambah tauge toge seledri kemangi jeruk nipis purut lemon
    limau jahe kunyit kencur lengkuas laos serai sereh salam ketumbar merica mrica lada pala
    kemiri asam jawa gula pasir aren garam minyak goreng beras ketan tepung terigu maizena
    tapioka santan kara kelapa parut pisang raja kepok ambon susu apel malang anggur
    semangka melon pepaya mangga salak nanas alpukat jambu kelengkeng duku rambutan durian
    buah naga kopi kapal api teh celup tubruk mie mi indomie goreng soto bihun soun kecap
    saos saus sambal sambel terasi trasi petis kerupuk krupuk rempeyek peyek sosis nugget
    bakso pentol jamur tiram kancing enoki kuping paprika brokoli kembang oyong gambas
    kenikir singkong ubi talas ketela kates gereh tewel nangka rebung sayur sop asem lodeh
    bumbu pecel rujak lontong ketupat janur pangsit roti tawar mentega margarin keju
    kental uht mineral air galon pete petai jengkol bunga sedap pandan bubuk kacang
    endhog endog pitik iwak gulo santen lombok uyah lenga krai kobis sawi pentil bligo
    tempe tahu bubur rawon bahan cabe kecil sedang jumbo paket campur kering basah
    semur sayuran daun singkong pepaya katuk melinjo mlinjo kluwek kecombrang lengkuas
    ebi tongkol kerupuk udang gembili labu kuning ayam kampung petis kupang lontong
    """
)

#: Short forms customers type, expanded before anything else is read.
ABBREVIATIONS: Final[Mapping[str, str]] = {
    "bwg": "bawang",
    "bwng": "bawang",
    "bw": "bawang",
    "tlr": "telur",
    "telor": "telur",
    "tlor": "telur",
    "cabai": "cabe",
    "cbe": "cabe",
    "cb": "cabe",
    "dgg": "daging",
    "dgng": "daging",
    "ikn": "ikan",
    "ayem": "ayam",
    "sayap2": "sayap",
    "mrica": "merica",
    "gurame": "gurami",
    "tomad": "tomat",
    "kentank": "kentang",
    "kngkung": "kangkung",
    "ptg": "potong",
}

#: Market codes and the ways customers name them (after ``pasar``/``psr`` or alone).
MARKET_NAMES: Final[Mapping[str, str]] = {
    "sawojajar": "sawojajar",
    "sawo jajar": "sawojajar",
    "gadang lama": "gadang",
    "gadang": "gadang",
    "induk gadang": "gadang",
    "oro-oro dowo": "oro-oro-dowo",
    "oro oro dowo": "oro-oro-dowo",
    "oro2 dowo": "oro-oro-dowo",
    "orooro dowo": "oro-oro-dowo",
    "oro dowo": "oro-oro-dowo",
    "oro-oro-dowo": "oro-oro-dowo",
    "bareng": "bareng",
    "mergan": "mergan",
    "tawangmangu": "tawangmangu",
    "tawang mangu": "tawangmangu",
}

#: Market names that are also everyday words: they count only after ``pasar``/``psr``.
MARKET_NAMES_NEEDING_PASAR: Final[frozenset[str]] = frozenset({"bareng"})

#: Words that say "not": right after a quantity they take it back (``sekarung mboten``).
NEGATIONS: Final[frozenset[str]] = frozenset(
    {"mboten", "gak", "ga", "tidak", "tdk", "nggak", "ngga", "enggak", "ndak", "ora", "gk"}
)

#: Words that say the quantity applies to each item named before it.
EACH_WORDS: Final[frozenset[str]] = frozenset(
    {"masing2", "masing-masing", "msg2", "masing", "tiap", "setiap", "per"}
)

#: Ways to address the seller or runner; the word after one is a person's name (``Bu Sri``).
HONORIFICS: Final[frozenset[str]] = frozenset(
    {"mbak", "mba", "mbk", "bu", "ibu", "buk", "pak", "bapak", "mas", "kak", "dik", "dek",
     "bude", "budhe", "pakde", "cak", "ning", "om", "tante", "bos", "juragan"}
)  # fmt: skip

#: Words asking whether something can be done: a question with one is still a request.
REQUEST_WORDS: Final[frozenset[str]] = frozenset(
    {"bisa", "bs", "bisakah", "boleh", "tolong", "minta", "mohon"}
)

#: Question words that make a sentence a request for information even without ``?``.
STRONG_QUESTION_WORDS: Final[frozenset[str]] = frozenset(
    {"berapa", "brp", "brapa", "piro", "pira", "ongkir", "ongkirnya"}
)

#: Product words that only describe (colour, size): alone after a quantity they are a note.
DESCRIPTOR_WORDS: Final[frozenset[str]] = frozenset(
    {"merah", "putih", "hijau", "ijo", "besar", "kecil", "sedang", "jumbo", "muda", "tua",
     "kuning", "manis", "halus", "kasar", "kering", "basah", "campur", "segar", "seger"}
)  # fmt: skip

#: Everyday words that are neither products nor filler; never "corrected" into a product
#: (``malam`` is not a typo of ``salam``).
COMMON_WORDS: Final[frozenset[str]] = _words(
    """
    pagi siang sore malam malem besok lusa minggu bulan tahun depan belakang samping atas
    bawah dalam luar rumah kantor sekolah masjid acara tamu anak suami istri mama papa
    ibu bapak mertua tetangga teman temen orang catering katering warung toko depan
    pendek panjang tebal tipis lembut keras matang mateng mentah manis asin pedas pedes
    banyak sedikit semua sisa baru lama kosong penuh habis tinggal ganti tukar bungkusan
    terima tanya jawab kabar info harga ongkir alamat nomor nama lokasi share dingin
    """
)

#: Nouns that need the next word to say what they are (``ikan mas``, ``sayur bening``): that
#: word stays in the name even when it is also a filler (``mas``).
HEAD_NOUNS: Final[frozenset[str]] = frozenset(
    {"ikan", "iwak", "sayur", "daun", "bumbu", "kue", "buah", "kacang", "tepung", "minyak"}
)

#: Neighbouring keys on a phone keyboard (QWERTY): a one-letter slip to a neighbour is a
#: typo (``rawir`` -> ``rawit``); a far letter more likely makes another word (``peras``).
KEY_NEIGHBOURS: Final[Mapping[str, str]] = {
    "q": "wa", "w": "qeas", "e": "wrsd", "r": "etdf", "t": "ryfg", "y": "tugh", "u": "yihj",
    "i": "uojk", "o": "ipkl", "p": "ol", "a": "qwsz", "s": "awedxz", "d": "serfcx",
    "f": "drtgvc", "g": "ftyhbv", "h": "gyujnb", "j": "huikmn", "k": "jiolm", "l": "kop",
    "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
}  # fmt: skip
