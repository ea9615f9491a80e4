#!/usr/bin/env python3
"""Writes bench/search/queries.json: labelled queries over catalogue.json, relevant films named
by their English titles here (ids looked up). Re-run: python3 bench/search/make_queries.py"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
films = json.load(open(os.path.join(HERE, "catalogue.json"), encoding="utf-8"))
by_en = {f["titles"]["en"]: f["id"] for f in films}

# (category, query, [relevant English titles])
Q = [
# Ukrainian titles, as typed (case, punctuation, missing apostrophes)
("title_uk", "Тіні забутих предків", ["Shadows of Forgotten Ancestors"]),
("title_uk", "мої думки тихі", ["My Thoughts Are Silent"]),
("title_uk", "Дюна", ["Dune", "Dune: Part Two"]),
("title_uk", "думками навиворіт", ["Inside Out", "Inside Out 2"]),
("title_uk", "Крижане серце", ["Frozen", "Frozen II"]),
("title_uk", "Месники завершення", ["Avengers: Endgame"]),
("title_uk", "Володар перснів", ["The Lord of the Rings: The Fellowship of the Ring", "The Lord of the Rings: The Return of the King"]),
("title_uk", "Памфір", ["Pamfir"]),
("title_uk", "Вперед і вгору", ["Up"]),
("title_uk", "Темний лицар", ["The Dark Knight"]),
("title_uk", "Гаррі Поттер", ["Harry Potter and the Philosopher's Stone", "Harry Potter and the Deathly Hallows – Part 2"]),
("title_uk", "Втеча з Шоушенка", ["The Shawshank Redemption"]),
("title_uk", "плем'я", ["The Tribe"]),
("title_uk", "Кіборги", ["Cyborgs: Heroes Never Die"]),
("title_uk", "Мавка", ["Mavka: The Forest Song"]),
("title_uk", "Хрещений батько", ["The Godfather"]),
("title_uk", "Віднесені привидами", ["Spirited Away"]),
("title_uk", "Сам удома", ["Home Alone"]),
# English titles
("title_en", "Interstellar", ["Interstellar"]),
("title_en", "shadows of forgotten ancestors", ["Shadows of Forgotten Ancestors"]),
("title_en", "The Dark Knight", ["The Dark Knight"]),
("title_en", "spider-man no way home", ["Spider-Man: No Way Home"]),
("title_en", "Inside Out 2", ["Inside Out 2"]),
("title_en", "the tribe", ["The Tribe"]),
("title_en", "Pulp Fiction", ["Pulp Fiction"]),
("title_en", "mavka the forest song", ["Mavka: The Forest Song"]),
("title_en", "Killers of the Flower Moon", ["Killers of the Flower Moon"]),
("title_en", "Everything Everywhere All at Once", ["Everything Everywhere All at Once"]),
("title_en", "20 days in mariupol", ["20 Days in Mariupol"]),
("title_en", "the lion king", ["The Lion King", "Mufasa: The Lion King"]),
("title_en", "Come and See", ["Come and See"]),
("title_en", "Mr. Jones", ["Mr. Jones"]),
("title_en", "The Wild Robot", ["The Wild Robot"]),
("title_en", "Home Alone", ["Home Alone"]),
# Russian titles
("title_ru", "Тени забытых предков", ["Shadows of Forgotten Ancestors"]),
("title_ru", "Головоломка", ["Inside Out", "Inside Out 2"]),
("title_ru", "Холодное сердце", ["Frozen", "Frozen II"]),
("title_ru", "Мстители: Финал", ["Avengers: Endgame"]),
("title_ru", "Властелин колец", ["The Lord of the Rings: The Fellowship of the Ring", "The Lord of the Rings: The Return of the King"]),
("title_ru", "Побег из Шоушенка", ["The Shawshank Redemption"]),
("title_ru", "Крёстный отец", ["The Godfather"]),
("title_ru", "Один дома", ["Home Alone"]),
("title_ru", "Иван Васильевич меняет профессию", ["Ivan Vasilievich: Back to the Future"]),
("title_ru", "Довод", ["Tenet"]),
("title_ru", "Зверополис", ["Zootopia"]),
("title_ru", "Унесённые призраками", ["Spirited Away"]),
("title_ru", "Мои мысли тихие", ["My Thoughts Are Silent"]),
("title_ru", "Бриллиантовая рука", ["The Diamond Arm"]),
# Partial titles, as typed
("partial", "інтерст", ["Interstellar"]),
("partial", "oppenh", ["Oppenheimer"]),
("partial", "тіні забутих", ["Shadows of Forgotten Ancestors"]),
("partial", "harry pot", ["Harry Potter and the Philosopher's Stone", "Harry Potter and the Deathly Hallows – Part 2"]),
("partial", "gladiat", ["Gladiator", "Gladiator II"]),
("partial", "кунг-фу", ["Kung Fu Panda 4"]),
("partial", "spider verse", ["Spider-Man: Across the Spider-Verse"]),
("partial", "джон вік", ["John Wick: Chapter 4"]),
("partial", "guardians galaxy", ["Guardians of the Galaxy"]),
("partial", "flower moon", ["Killers of the Flower Moon"]),
("partial", "будинок слово", ["Slovo House. Unfinished Novel"]),
("partial", "grand budapest", ["The Grand Budapest Hotel"]),
("partial", "пірати карибського", ["Pirates of the Caribbean: The Curse of the Black Pearl"]),
("partial", "зоряні війни", ["Star Wars", "Star Wars: The Force Awakens"]),
# Typos
("typo", "interstellr", ["Interstellar"]),
("typo", "опенгеймер", ["Oppenheimer"]),
("typo", "oppenhaimer", ["Oppenheimer"]),
("typo", "gladiatr", ["Gladiator", "Gladiator II"]),
("typo", "shawshenk redemption", ["The Shawshank Redemption"]),
("typo", "ратотуй", ["Ratatouille"]),
("typo", "titanik", ["Titanic"]),
("typo", "avengrs endgame", ["Avengers: Endgame"]),
("typo", "памфир", ["Pamfir"]),
("typo", "тени забитых предков", ["Shadows of Forgotten Ancestors"]),
("typo", "incepton", ["Inception"]),
("typo", "godfater", ["The Godfather"]),
("typo", "парк юрського періода", ["Jurassic Park"]),
("typo", "matrx", ["The Matrix"]),
# Transliterations, both ways
("translit", "tini zabutykh predkiv", ["Shadows of Forgotten Ancestors"]),
("translit", "tini zabutyh", ["Shadows of Forgotten Ancestors"]),
("translit", "dyuna", ["Dune", "Dune: Part Two"]),
("translit", "moi dumky tykhi", ["My Thoughts Are Silent"]),
("translit", "kiborhy", ["Cyborgs: Heroes Never Die"]),
("translit", "zakhar berkut", ["The Rising Hawk"]),
("translit", "pamfir", ["Pamfir"]),
("translit", "dovbush", ["Dovbush"]),
("translit", "shchedryk", ["Carol of the Bells"]),
("translit", "schedryk", ["Carol of the Bells"]),
("translit", "krizhane serce", ["Frozen", "Frozen II"]),
("translit", "kholodnoe serdtse", ["Frozen", "Frozen II"]),
("translit", "Інтерстеллар", ["Interstellar"]),
("translit", "Бетмен", ["The Batman"]),
("translit", "zemlya", ["Earth"]),
("translit", "sam udoma", ["Home Alone"]),
("translit", "povodyr", ["The Guide"]),
("translit", "ivan vasilyevich", ["Ivan Vasilievich: Back to the Future"]),
# Plot descriptions (English)
("plot_en", "astronauts travel through a wormhole to save humanity", ["Interstellar"]),
("plot_en", "the man who built the atomic bomb", ["Oppenheimer"]),
("plot_en", "a rat who wants to be a chef in Paris", ["Ratatouille"]),
("plot_en", "boy left home alone at christmas fights burglars", ["Home Alone"]),
("plot_en", "old man flies his house with balloons", ["Up"]),
("plot_en", "wrongly convicted banker escapes prison", ["The Shawshank Redemption"]),
("plot_en", "dinosaurs escape from an island theme park", ["Jurassic Park", "Jurassic World"]),
("plot_en", "journalist uncovers the Holodomor famine in Ukraine", ["Mr. Jones", "Bitter Harvest"]),
("plot_en", "defence of Donetsk airport", ["Cyborgs: Heroes Never Die"]),
("plot_en", "deaf teenagers at a boarding school", ["The Tribe"]),
("plot_en", "astronaut stranded on Mars grows potatoes", ["The Martian"]),
("plot_en", "family must stay silent to hide from monsters that hunt by sound", ["A Quiet Place"]),
("plot_en", "hobbits destroy the ring in Mount Doom", ["The Lord of the Rings: The Fellowship of the Ring", "The Lord of the Rings: The Return of the King"]),
("plot_en", "robot raises a gosling on a wild island", ["The Wild Robot"]),
("plot_en", "weatherman lives the same day again and again", ["Groundhog Day"]),
("plot_en", "teenager travels back in time in a DeLorean", ["Back to the Future"]),
("plot_en", "emotions inside a girl's head", ["Inside Out", "Inside Out 2"]),
("plot_en", "Hutsul lovers in the Carpathian mountains", ["Shadows of Forgotten Ancestors"]),
("plot_en", "smuggling in a Bukovina village before Malanka", ["Pamfir"]),
("plot_en", "journalists trapped in besieged Mariupol", ["20 Days in Mariupol"]),
# Plot descriptions (Ukrainian)
("plot_uk", "астронавти летять крізь червоточину", ["Interstellar"]),
("plot_uk", "створення атомної бомби", ["Oppenheimer"]),
("plot_uk", "щур мріє стати кухарем", ["Ratatouille"]),
("plot_uk", "хлопчика забули вдома на Різдво", ["Home Alone"]),
("plot_uk", "оборона донецького аеропорту", ["Cyborgs: Heroes Never Die"]),
("plot_uk", "гуцульське кохання в Карпатах", ["Shadows of Forgotten Ancestors"]),
("plot_uk", "контрабанда на Буковині", ["Pamfir"]),
("plot_uk", "динозаври в парку на острові", ["Jurassic Park", "Jurassic World"]),
("plot_uk", "душа лісу закохується в музиканта", ["Mavka: The Forest Song"]),
("plot_uk", "журналіст розкриває правду про Голодомор", ["Mr. Jones"]),
("plot_uk", "студенти проти більшовиків під Крутами", ["Kruty 1918"]),
("plot_uk", "коваль летить на чорті по черевички", ["Evenings on a Farm Near Dikanka"]),
]

out = []
for cat, q, rel in Q:
    ids = [by_en[t] for t in rel]  # KeyError: a title that is not in the catalogue
    out.append({"category": cat, "query": q, "relevant": ids})
with open(os.path.join(HERE, "queries.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
cats = {}
for x in out:
    cats[x["category"]] = cats.get(x["category"], 0) + 1
print(len(out), "queries", cats)
