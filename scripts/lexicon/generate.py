#!/usr/bin/env python3
# Writes Sources/Postbox/Resources/special-categories.lexicon.json, the versioned lexicon of the
# special-category classifier. Edit the entries here (compact), run this script, commit both.
# See docs/classifier.md for the matching rules and how the rules were kept from over-fitting.
import json
E=[]
def add(cats, patterns, match="prefix", strength="strong", near=None, unless=None, block=None, case=None, sugg=None, neutral=False):
    if isinstance(cats,str): cats=[cats]
    if isinstance(patterns,str): patterns=[patterns]
    for p in patterns:
        e={"categories":cats,"pattern":p,"match":match}
        if strength!="strong": e["strength"]=strength
        if near: e["near"]=near
        if unless: e["unless"]=unless
        if block: e["blockTokens"]=block
        if case: e["case"]=case
        if sugg: e["suggestion"]=sugg
        if neutral: e={"neutral":True,"pattern":p,"match":match}
        E.append(e)
H="health"
S_HEAR={"de":"Bitte laut und deutlich klingeln.","en":"Please ring loudly and clearly."}
S_WALK={"de":"Kunde braucht etwas länger, um die Tür zu öffnen.","en":"The customer needs a little longer to open the door."}
S_SICK={"de":"Ich bin bis Ende des Monats verhindert, bitte Termin danach.","en":"I am unavailable until the end of the month, please book a later date."}
S_DIAB={"de":"Bitte keinen Termin zwischen 12 und 13 Uhr.","en":"Please no appointment between 12 and 1 pm."}
S_CONTACT={"de":"Kontakt bitte ausschließlich per E-Mail oder SMS.","en":"Please contact me by e-mail or text message only."}
S_MOBILE={"de":"Bitte mobilen Service an der Haustür anbieten.","en":"Please offer the mobile service at the front door."}
# --- neutral phrases: idioms, products, places (they mask what they cover) ---
for p in ["gott sei dank","gruess gott","gruss gott","um gottes willen","oh gott","mein gott","ach gott","gott bewahre","thank god","oh my god","god bless","for god s sake","halleluja","hallelujah",
          "krieg gleich nen herzinfarkt","krieg gleich einen herzinfarkt","kriege gleich einen herzinfarkt","bekomme gleich einen herzinfarkt","krieg gleich die krise","werde noch verrueckt","werd noch verrueckt","macht mich noch verrueckt","macht mich verrueckt","macht mich krank","mache ihn noch krank","macht ihn noch krank","macht einen krank","sick of","sick and tired","driving myself crazy","driving me crazy","drives me crazy","going crazy","heart attack when","nearly had a heart attack","almost had a heart attack",
          "personal injury","personenschaden","kein personenschaden","keine verletzten","no one was hurt","nobody was hurt","nobody was injured","no injuries",
          "blind spot","toter winkel","totwinkel","breakdown cover","breakdown service","broke down","car broke","pannenhilfe",
          "european union","credit union","union jack","students union",
          "partnertarif","partnerrabatt","partner tarif",
          "health insurance","health cover","health plan","hospital cash","krankenversicherung","krankenkasse","krankenhaustagegeld","krankentagegeld","krankenhauszusatz","pflegezusatz","zahnzusatz","auslandsreisekranken","reisekranken","nichtrauchertarif","nichtraucher tarif","non smoker discount",
          "blinder passagier","blindes huhn","auf dem schlauch"]:
    add([],p,match="phrase",neutral=True)
# ---------------- health ----------------
add(H,["diabet","zuckerkrank","insulin","blutzucker","unterzucker","hypoglyk"],sugg=S_DIAB)
add(H,["hab zucker","habe zucker","hat zucker","hat diabetes"],match="phrase",sugg=S_DIAB)
add(H,["schwerhoer","hoergeraet","gehoerlos","hoerbehind","hard of hearing","hearing aid","hearing impair"],sugg=S_HEAR)
add(H,["deaf","taub","taubheit"],match="word",sugg=S_CONTACT)
add(H,["gehbehind","gehbehinderung","rollstuhl","rollator","gehhilfe","kruecke","wheelchair","walking frame","walking stick","crutches","mobility scooter","walking disab"],sugg=S_WALK)
add(H,["schwerbehind","sehbehind","koerperbehind","geistig behind","lernbehind","behinderung","behindert","disabled","disability"],block=["behindertenpark","behindertengerecht","behindertenfahr","behindertentransport","behindertenwerkstatt","behindertenbeauftrag","disability insurance","disabled bay","disabled parking","disabled space"],sugg=S_WALK)
add(H,["gdb","sb ausweis","schwerbehindertenausweis","merkzeichen","pflegegrad","pflegestufe","pflegebeduerft","pflegefall","blue badge"],match="word")
add(H,["ag"],match="word",case="exact:aG")
add(H,["blind","erblindet"],match="word",strength="anchored",unless=["spot","winkel","passagier","flug"])
add(H,["auge blind","augen blind","blind on one eye","blind in one eye","sehschwach","visually impaired","partially sighted"],match="phrase")
add(H,["krebs","tumor","tumour","metasta","chemotherap","chemo","bestrahlung","leukaem","leukem","lymphom","karzinom","carcinom","cancer","onkolog"],match="infix",block=["krebsgang","krebstier","krebsfleisch","seekrebs","flusskrebs"])
add(H,["herzinfarkt","infarkt","heart attack","schlaganfall","stroke","herzinsuff","herzschwaech","herzrhythm","herzklappe","herzschrittmacher","pacemaker","bypass","stent","angina"],match="prefix")
add(H,["demenz","dement","alzheimer","parkinson","epilep","multiple sklerose","multiple sclerosis","ms","schlaganfal"],match="word")
add(H,["als"],match="word",case="exact:ALS")
add(H,["demenz","alzheimer","parkinson","epilep","sklerose","sclerosis"],match="prefix")
add(H,["depress","burnout","burn out","psychisch","psychiat","psychotherap","psycholog","angststoer","panikattack","panic attack","anxiety","zwangsstoer","essstoer","magersucht","bulimi","anorexi","schizophren","bipolar","trauma","ptbs","ptsd","nervenzusammenbruch","nervous breakdown","mental health","mental illness","suizid","suicid","selbstmord"],match="prefix",block=["psychologe","psychologin"])
add(H,["traumatisiert","traumatised","traumatized","schleudertrauma","whiplash"],match="prefix")
add(H,["autis","adhs","adhd","asperger","legasthen","dyslex","down syndrom","trisomie"],match="prefix")
add(H,["sucht","alkoholab","alkoholik","alcoholic","drogenab","entzugsklinik","entzugstherap","suchtklinik","rehab","addiction","addicted"],match="prefix",block=["suchtpraevention"])
add(H,["allerg","asthma","copd","rheuma","arthrit","arthros","osteopor","bandscheib","vorfall","hernie","migraen","migrain","tinnitus","neurodermit","psoriasis","schuppenflechte","epipen","anaphyla","zoeliak","coeliac","celiac","laktoseintol","lactose intol","glutenunvert"],match="prefix",block=["vorfallsort","vorfallstag"])
add(H,["vorfall"],match="word",strength="context",near=["bandscheib","disc"])
add(H,["schwanger","pregnan","ssw","mutterschutz","maternity leave","entbindung","fehlgeburt","miscarriage","kaiserschnitt","caesarean","hebamme","geburtstermin","due date","stillzeit","kinderwunsch","kuenstliche befrucht","ivf","samenspende","eizellspende","fertility treatment"],match="prefix")
add(H,["et"],match="word",case="exact:ET",strength="context",near=["schwanger","woche","ssw","geburt","baby","kind"])
add(H,["off work with","slipped disc","herniated","gebaerdensprache","sign language","braille","blindenhund","guide dog","assistance dog","treppenlift","stairlift","pflegebett","hausnotruf","sauerstoffgeraet","oxygen tank","inhalator","inhaler","inkontinen","incontinen","stoma","katheter","catheter","hoersturz","grauer star","katarakt","cataract","glaukom","glaucoma","makula","macular","netzhaut","retinal","aneurysm","embolie","embolism","gicht","gout","hashimoto","morbus","crohn","reizdarm","mukoviszid","cystic fibrosis","spina bifida","zerebralparese","cerebral palsy","spastik","spastisch","hiv positiv","hiv positive","nierenversagen","kidney failure","nierenstein","kidney stone","amput","hearing loss","hoerverlust","eating disorder","schwangerschaft","erwartet ein kind","erwarten ein kind","erwartet ein baby","erwarten ein baby","guter hoffnung","expecting a baby","expecting our","expecting their","expecting twins","expecting her","expecting his","baby is due","herzkrank","herzfehler","herzerkrank","lungenerkrank","nierenerkrank","lebererkrank","krebserkrank","tumorerkrank","wurzelbehandlung","zahnfuellung","zahnextraktion","zahn gezogen","zahnarztbehandlung","kieferorthop","zahnimplantat","zahnbehandlung","zahnersatzbehandlung"],match="prefix")
add(H,["hiv","aids"],match="word",case="upper")
add(H,["kardiolog","cardiolog","neurolog","dermatolog","orthopaed","orthoped","gynaekolog","gynaecolog","gynecolog","urolog","rheumatolog","onkolog","oncolog","psychiater","psychiatrist","augenarzt","eye doctor","ophthalmolog","hno arzt","ent specialist","radiolog","internist","frauenarzt","frauenaerztin","hausarzt","gp","facharzt","specialist","chirurg","surgeon","kinderarzt","paediatrician","pediatrician","physiotherapeut","physiotherapist","psychotherapeut","therapeut","therapist","zahnarzt","dentist","kieferchirurg"],match="prefix",strength="context",near=["referred","ueberwies","ueberweisung","termin beim","termin bei","appointment with","seeing","war beim","war bei","beim","zum","zur","my","mein","meine","meinem","meiner","unser","our","her","his","ihr","sein","told me","sagt","meint","laut"],unless=["ist ein","is a","is an","works as","arbeitet als","als","beruf","job","praxis","practice","firma","company","van","auto","fahrzeug","flotte","fleet","car","wagen","dr","herr","frau","mr","mrs"])
add(H,["krankgeschr","krankschreib","krankmeld","krankgemeld","arbeitsunfaeh","dienstunfaeh","off sick","sick leave","sick note","signed off","sick day"],match="prefix",sugg=S_SICK)
add(H,["au"],match="word",case="exact:AU",sugg=S_SICK)
add(H,["au bescheinigung","au schein","au als nachweis"],match="phrase",sugg=S_SICK)
add(H,["kh","khs"],match="word",case="upper",strength="context",near=["im","ins","liegt","lag","aus","entlass"])
add(H,["krankenhausaufenthalt","krankenhausaufnahme","stationaer aufgenommen","stationaere behandlung","hospitalised","hospitalized","intensivstation","intensive care","notaufnahme","emergency room"],match="prefix")
add(H,["im krankenhaus","ins krankenhaus","aus dem krankenhaus","in der klinik","in einer klinik","in die klinik","aus der klinik","in hospital","in the hospital","to hospital","out of hospital","from hospital","im klinikum","ins klinikum","in der notaufnahme","in der reha","zur reha","in rehab"],match="phrase",strength="anchored",unless=["arbeit","arbeitet","arbeite","works","work","job","angestellt","beschaeftigt","schicht","shift","pflegekraft","krankenschwester","nurse","doctor","aerztin","arzt","parkplatz","car park","parking"])
add(H,["reha","rehaklinik","rehabilitation","kur","kuraufenthalt","anschlussheilbehandlung","ahb"],match="word",strength="anchored",unless=["tarif","versicherung","kurz","kurs"])
add(H,["reha"],match="prefix",block=["rehau"],strength="anchored")
add(H,["op"],match="word",case="upper")
add(H,["operiert","opperiert","operated","surgery","eingriff","narkose","anaesthe","anesthe"],match="prefix",strength="anchored",unless=["operationsgebiet","military","portal","app","website"])
add(H,["operation","operationen"],match="word",strength="context",near=["knie","huefte","herz","bein","arm","schulter","ruecken","auge","galle","after my","nach der","nach meiner","vor der","since my","recover","erhol","krankenhaus","hospital","klinik","clinic","arzt","doctor","surgeon","chirurg","knee","hip","heart","eye","back","shoulder"])
add(H,["verletz","injur","wounded","fraktur","fracture","broke my","broken arm","broken leg","broken wrist","broken ankle","broken rib","broken nose","verstaucht","sprained","geprellt","prellung","bruise","gehirnerschuett","concussion","platzwunde","schnittwunde","aufgeschnitten","genaeht","stitches","blutet","bleeding","bandagiert","gips","im gips","plaster cast"],match="prefix",strength="anchored",block=["verletzung der pflicht","verletzung der anzeigepflicht","pflichtverletz","obliegenheitsverletz","vertragsverletz"])
add(H,["gebrochen","broken","broke","fractured","brach","gebrochenen"],match="word",strength="context",near=["arm","bein","hand","fuss","finger","zeh","knie","huefte","rippe","nase","schulter","handgelenk","knoechel","wirbel","leg","wrist","ankle","hip","rib","nose","shoulder","knee","toe","collarbone","schluesselbein"])
add(H,["unverletzt","blieb unverletzt","uninjured","unharmed","unhurt","was fine","nichts passiert","shaken up","leicht verletzt"],match="prefix")
add(H,["wieder gesund","gesund geschrieben","gesundgeschrieben","back to health","recovered from","recovering from","genesen","genesung","erholt sich"],match="phrase")
add(H,["schmerz","bauchweh","kopfweh","rueckenleiden"],match="infix",strength="anchored",block=["schmerzensgeld"])
add(H,["pain","pains","painful","aching","ache","aches"],match="word",strength="anchored",unless=["pain in the neck"])
add(H,["krank","erkrankt","erkrankung","krankheit","ill","illness","sick","disease","leiden","leide an","leidet an","suffers from","suffering from"],match="word",strength="anchored",unless=["falls","sollte","wenn","if","would","wuerde","krankenversicherung","krankenkasse","tarif","police"])
add(H,["erkrank","krankheit"],match="prefix",strength="anchored",block=["krankheitskost","krankheitskosten"],unless=["falls","sollte","wenn","tarif","versicherung"])
add(H,["gesundheitsfragen","health questions"],match="prefix",strength="context",near=["mit nein","alle mit","verneint","mit ja","answered no","answered yes","all no"])
add(H,["vorerkrank","pre existing","preexisting","vorerkrankung","medical history","krankengeschichte","keine vorerkrank","keine medikamente","no medication"],match="prefix")
add(H,["medikament","tablette","antidepress","antibiot","cortison","kortison","blutverduenn","medication","medicine","prescription","prescribed","verschrieben","verordnet","rezept"],match="prefix",strength="anchored",unless=["kochrezept","recipe","tarif","zahlt","erstattet der tarif"])
add(H,["diagnos","befund","attest","arztbrief","arztbericht","entlassungsbericht","gutachten des arztes","krankenbericht","doctor s note","medical report","medical certificate"],match="prefix",strength="anchored",block=["diagnosegeraet","fahrzeugdiagnose","fehlerdiagnose","befundung"],unless=["auto","fahrzeug","motor","fehlerspeicher","steuergeraet"])
add(H,["blutdruck","cholesterin","cholesterol","blood pressure","bluthochdruck","hypertoni","uebergewicht","adipositas","overweight","obese","obesity","bmi","raucher","smoker","nichtraucher","non smoker","nonsmoker"],match="prefix",block=["nichtrauchertarif","raucherzone","raucherbereich","raucherecke"])
add(H,["physio","physiotherap","krankengymnast","ergotherap","logopaed","occupational therapy","physical therapy","physiotherapy","speech therapy","therapie","therapy","therapist","therapeut","behandlung","treatment","kontaktlinse","dpt","dioptr","hoergeraet","zahnersatz","zahnbehandlung","wurzelbehandlung","implantat","zahnspange","heil und kostenplan","kostenplan","root canal","crown on","filling"],match="prefix",strength="anchored",block=["physiotherapiepraxis","therapiezentrum","behandlungsraum"],unless=["praxis","practice","fahrzeug","auto","wagen","car","van","fleet","flotte","zahlt der tarif das","tarif das","leistet der tarif"])
add(H,["kreuzband","meniskus","hueft","knie op","hip replacement","knee replacement","gallen","blinddarm","appendi","mandel","prostata","schilddruese","thyroid","lungenentz","pneumonia","bronchit","grippe","influenza","corona","covid","gürtelrose","guertelrose","shingles","infekt","infection","fieber","fever","quarantaen","isolation","positiv getestet","tested positive"],match="prefix",strength="anchored",block=["coronaferien","isolationsglas","isolierglas","gallenstr"],unless=["tarif das","impfung zahlt"])
add(H,["zahn"],match="word",strength="context",near=["krone","fuellung","implantat","wurzel","extraktion","gezogen"])
add(H,["verwirrt","confused","vergesslich","forgetful","gedaechtnis","memory loss"],match="prefix",strength="anchored",unless=["hotline","rechnung","brief","schreiben","formular","invoice","letter","form","website"])
add(H,["pille"],match="word",strength="anchored")
add(H,["brille"],match="word",strength="context",near=["dpt","dioptr","werte","sehstaerke","augenarzt","optiker"])
add(H,["glasses","lenses"],match="word",strength="context",near=["prescription","dioptr","eye test","optician"])
add(H,["sehstaerke","sehschwaeche","kurzsichtig","weitsichtig","short sighted","long sighted","astigmat"],match="prefix")
add(H,["gelaehmt","laehmung","querschnitt","paraly","paraplegi","tetrapleg","amputi","prothese","prosthe"],match="prefix")
add(H,["verstorben","gestorben","died","passed away","deceased"],match="prefix",neutral=True)
add(H,["schwach","geschwaecht","erschoepft","exhausted","fatigue","chronisch","chronic"],match="prefix",strength="context",near=["ms","krank","erkrank","chemo","krebs","herz","immun","leid","disease","illness","condition","diabet","operation","op"])
add(H,["krankenstand"],match="word",neutral=True)
add(H,["dialyse","dialysis","chemotherapie","strahlentherapie"],match="prefix")
add(H,["patient","patientin"],match="infix",block=["patientenverfueg","patientenrecht","patientenquitt","patientenakte","privatpatient","kassenpatient","patientenbeauftrag"])
add(H,["mammograph","screening","vorsorgeuntersuch","check up","checkup","vorsorge"],match="prefix",strength="context",near=["mein","meine","meinem","meiner","ich hatte","war","ergab","auffaellig","zu hoch","zu niedrig","befund","result","my"])
add(H,["hospital","klinik","krankenhaus","clinic"],match="word",strength="context",near=["admitted","aufgenommen","entlassen","discharged","liegt","lag","stay","aufenthalt","was in","war im","war in"],unless=["arbeitet","works","work","job","parkplatz","strasse","street"])
add(H,["dement","frail","gebrechlich","bettlaegerig","bedridden","housebound"],match="prefix",strength="anchored")
add(H,["itis","osis","aemia","haemia","aemie","pathie","pathy","algie","algia","plegie","plegia","ektomie","ectomy","otomie","otomy","karzinom","sarkom","syndrom","syndrome","insuffizienz","insufficiency","stenose","thrombose","arthrose","sklerose","zirrhose","fibrose","psychose","neurose","skoliose","tuberkulose","endometriose","osteoporose","infektion","entzuendung","inflammation","lymphoma","melanom","melanoma"],match="suffix",strength="anchored",block=["diagnosis","prognosis","hypnosis","akademie","epidemie","pandemie","sympathie","empathie","apathie","telepathie","homoeopathie","homeopathy","osteopathie","naturopathie","sympathy","empathy","apathy","lotomie","anatomie","gastronomie","oekonomie","astronomie","autonomie","dichotomie","strategie"])
# ---------------- genetic ----------------
G="genetic"
S_GEN={"de":"Frage zur Kostenübernahme einer Vorsorgeuntersuchung; die ärztlichen Unterlagen reiche ich über den Dokumenten-Upload ein.","en":"Question about cover for a preventive examination; I will send the medical documents through the document upload."}
add(G,["gentest","genanalyse","genetisch","genetic","dna test","dna analyse","dna analys","erbgut","erbkrank","erblich","hereditary","inherited condition","inherited disease","vererbbar","humangenet","vaterschaftstest","paternity test","abstammungstest","nipt","praenataltest","pränataldiagnostik","chromosom","genmutation","gene mutation","gene test","gendefekt","anlagetraeger","traegerin der","traeger der","carrier of","brca","apoe","mutation"],match="prefix",block=["genetischer code des fahrzeugs"],sugg=S_GEN)
add(G,["dna","gene","genes"],match="word",strength="context",near=["test","analyse","analysis","sequenz","sequenc","probe","sample","befund","result","nachweis"])
add([G,H],["erbkrankheit","erbliche krankheit","erblich bedingt","hereditary disease"],match="prefix")
# ---------------- biometric ----------------
B="biometric"
S_BIO={"de":"Die Anmeldung in der App funktioniert nicht, bitte setzen Sie meinen Zugang zurück.","en":"I cannot log in to the app, please reset my access."}
AUTH=["login","log in","logge","anmeld","einlogg","entsperr","unlock","erkannt","erkennt","erkennen","recogni","ident","authent","verifi","app","scan","sensor","gespeichert","stored","speicher","loesch","delete","profil","profile","match","zugang","access","account","konto","passwort","password"]
AVAIL=["gibt es","available","verfuegbar","unterstuetzt","support","moeglich","bietet","offer","planned","geplant","kommt","will there be","is there","wird es"]
add(B,["fingerabdruck","fingerprint","finger print","touch id","face id","faceid","gesichtserkennung","face recognition","facial recognition","face login","gesichtsscan","face scan","face unlock","gesichts login","stimmprofil","stimmerkennung","voice profile","voice recognition","voice id","voiceprint","stimmabdruck","irisscan","iris scan","retina","handvenen","biometri"],match="prefix",strength="context",near=AUTH,unless=AVAIL+["schlieren","smudge","fettfleck","innenseite"],sugg=S_BIO)
add(B,["finger","gesicht","gesichts","face","stimme","voice"],match="word",strength="context",near=["erkannt","erkennt","nicht erkannt","recognised","recognized","not recognis","scan","match","abgeglichen","abgleich","video ident","videoident","hotline erkennt","login","entsperr","unlock"],unless=AVAIL,sugg=S_BIO)
add(B,["gesichtsabgleich","face match","face matching","gesichtsvergleich","stimmabgleich","voice match","fingerabdruckscan","fingerprint scan"],match="prefix",sugg=S_BIO)
# ---------------- ethnic_origin ----------------
EO="ethnic_origin"
add([EO,"religious_belief"],["jeside","jesidin","jesiden","jesidisch","eside","yezidi","yazidi"],match="word")
add(EO,["sinto","sinti","sintiza","sintezza","roma","romni","romnja","sorbe","sorbin","sorben","sorbinnen","kurde","kurdin","kurden","uigure","uigurin","tamile","tamilin","aboriginal","aborigine"],match="word",sugg={"de":"Bitte nur den praktischen Bedarf nennen (Ort, Sprache, Dolmetscher).","en":"Please state only the practical need (place, language, interpreter)."})
add([EO,"religious_belief"],["jude","juedin","juden","juedisch","jewish","jew"],match="word")
add(EO,["migrationshintergrund","migrationsgeschichte","einwanderungsgeschichte","spaetaussiedler","aussiedler","russlanddeutsch","wolgadeutsch","of african descent","of asian descent","ethnic","ethnisch","ethnie","people of colour","person of colour","people of color","person of color","poc","hautfarbe","skin colour","skin color","rassistisch","racist","racial"],match="prefix",block=["poco"])
add(EO,["descent","abstammung","herkunft","wurzeln","roots","heritage","ancestry","ancestors","vorfahren"],match="word",strength="context",near=["tuerkisch","arabisch","afrikanisch","asiatisch","polnisch","russisch","kurdisch","syrisch","indisch","pakistan","nigerian","ghana","vietnam","chines","italienisch","griechisch","jamaica","caribbean","african","asian","indian","irish","polish","turkish","arab","latino","hispanic","jued","jewish","roma","sinti","ethnisch","ethnic","meine","seine","ihre","my","his","her"],unless=["wurzelbehandlung","zahn","baum","tree","pflanze"])
add(EO,["ich bin schwarz","bin schwarz","ich bin black","i m black","i am black","as a black","als schwarze","als schwarzer","schwarze frau","schwarzer mann","black woman","black man","black customer","black people","weisser mann"],match="phrase")
add(EO,["hispanic","latino","latina","latinx","afroamerik","african american","afrodeutsch","afro deutsch","indigen","indigenous","native american","first nations","inuit","maori","traveller community","irish traveller"],match="prefix")
# ---------------- political_opinion ----------------
P="political_opinion"
S_POL={"de":"Bitte nur den Termin- oder Schadenbezug nennen, nicht die politische Haltung.","en":"Please state only the scheduling or damage detail, not the political stance."}
ACT=["mitglied","member","volunteer","canvass","leaflet","councillor","council","mayor","mp","mdb","mdl","buergermeisterkandidat","stadtrat","gemeinderat","kreistag","landtag","bundestag","abgeordnet","kandid","candidat","wahlkampf","campaign","infostand","flyer","plakat klebe","parteitag","ortsverein","ortsverband","waehle","gewaehlt","vote","voted","voting for","engagier","aktiv","unterstuetz","support","sitzt","sitze","fuer die","for the","aufkleber","sticker","mandat","fraktion","jugendorganisation","junge union","jusos","parteibuch","eingetreten","ausgetreten","spende","spendet"]
add(P,["cdu","csu","spd","fdp","afd","bsw","npd","oedp","dkp","mlpd","volt","tories","tory","labour","labour party","green party","conservative party","the conservatives","lib dems","liberal democrat","plaid cymru","sinn fein","grüne partei","die gruenen","den gruenen","der gruenen","buendnis 90","die linke","der linken","die linken","linkspartei","piratenpartei","freie waehler","democrats","republicans","republican party","democratic party","liberal democrats","reform uk","ukip","snp"],match="phrase",strength="context",near=ACT,sugg=S_POL)
add(P,["gruenen aufkleber","gruene aufkleber","afd aufkleber","antifa","pegida","reichsbuerger","querdenker","letzte generation","letzten generation","extinction rebellion","fridays for future","refugees welcome","nazis raus","gegen rechts","klimaaktivist","klimakleber","aktivist","activist","parteimitglied","party member","parteimitgliedschaft","ortsvorsitz","wahlkreiskandidat"],match="phrase",sugg=S_POL)
add(P,["demo","demonstration","kundgebung","protest","blockade","mahnwache","march","rally","sit in","demos","proteste"],match="suffix",strength="context",near=["war bei","war auf","war ich","teilgenommen","mitgelaufen","mitgemacht","demonstriert","festgeklebt","took part","i was at","was at the","joined","marched","gegen","against","fuer","for"],unless=["wegen einer demo","wegen der demo","gesperrt","closed","umleitung","diversion","stau","traffic","verkehr","neben","next to","vorbei"],sugg=S_POL)
add(P,["politisch","political","politik"],match="prefix",strength="context",near=["meine","my","ueberzeugung","conviction","einstellung","haltung","stance","views","aktiv","engagement"])
# ---------------- religious_belief ----------------
R="religious_belief"
S_REL={"de":"Termin auf Wunsch des Kunden verschoben.","en":"Appointment moved at the customer's request."}
add(R,["muslim","muslima","muslime","moslem","katholik","katholikin","zeuge jehovas","zeugin jehovas","zeugen jehovas","jehovah s witness","mormone","hindu","buddhist","buddhistin","sikh","alevit","alevitin","atheist","atheistin","konfessionslos","anthroposoph","scientologe"],match="prefix",block=["muslimbruder"],sugg=S_REL)
add(R,["islam","islamisch","islamic","christlich","christian faith","katholisch","catholic","evangelisch","protestant","orthodox","baptist","methodist","mennonit","mormon","neuapostol","freikirch","schiit","sunnit","shia","sunni","scientolog","religioes","religion","religious","glaubensgruend","aus glaubensgruenden","aus religioesen gruenden","religious reasons","my faith","meinem glauben","meines glaubens","gläubig","glaeubig","devout"],match="prefix",strength="context",near=["ich","wir","bin","sind","ist","kunde","kundin","kd","vn","mein","meine","unser","i","we","my","our","customer","client","he","she","er","sie","seine","ihre","aus","wegen","because","lebt","isst","eats","praktiz","practis","ueberzeugt","gruenden","reasons","tarif","product","produkt","gibt es"],unless=["krankenhaus","hospital","kindergarten","kita","schule","school","diakonie","caritas","arbeitgeber","employer","klinikum"],sugg=S_REL)
add(R,["pfarrer","pfarrerin","pastor","pastorin","priester","priest","imam","rabbi","rabbiner","kirchenvorstand","presbyter","kirchengemeinderat","diakon","ordensschwester","nonne","moench","nun","monk","vicar","kaplan","messdiener","ministrant"],match="word",block=["pfarrgasse","pfarrstrasse","pfarrhof"],sugg=S_REL)
add(R,["kirchensteuer","kirchenaustritt","aus der kirche ausgetreten","aus der kirche austreten","kirchenmitglied","church tax","left the church","church member","churchgoer","gottesdienst","church service","sunday mass","heilige messe","freitagsgebet","friday prayer","gebet","gebete","beten","bete","betet","prayer","prayers","pray","konfirmation","kommunion","erstkommunion","firmung","taufe","getauft","baptism","baptised","baptized","bar mizwa","bar mitzwa","bat mizwa","bar mitzvah","bat mitzvah","sabbat","schabbat","shabbat","sabbath","ramadan","fastenbrechen","iftar","kopftuch","hijab","headscarf","burka","niqab","kippa","turban","koscher","kosher","halal","schariakonform","sharia","scharia","pilgerfahrt","pilgrimage","hadsch","hajj","wallfahrt"],match="prefix",block=["bete rot","gebetsm"],sugg=S_REL)
add(R,["messe","mass","moschee","mosque","synagoge","synagogue","tempel","temple","kirche","church"],match="word",strength="context",near=["in der messe","zur messe","in die kirche","zur kirche","in der kirche sind","go to church","at church","attend","besuche","besuchen","gehe","gehen","sonntag","sunday","freitag","friday","samstag","saturday","gebet","prayer","beten","sind wir","bin ich","dort"],unless=["parkplatz","car park","platz","gegenueber","next to","neben","nahe","near","vor der","vor dem","strasse","street","gasse","messestand","messe in","auf der messe","fachmesse","trade fair","standort"],sugg=S_REL)
add(R,["schweinefleisch","pork"],match="word",strength="context",near=["glaubens","religi","faith","halal","koscher","kosher","muslim","jued","jewish"])
add(R,["ich bin christ","bin christin","sind christen","als christ","as a christian","i m christian","i am christian","christ bin"],match="phrase")
# ---------------- trade_union ----------------
T="trade_union"
S_TU={"de":"Ich bin an diesem Tag verhindert.","en":"I am unavailable that day."}
add(T,["verdi","komba"],match="word",sugg=S_TU)
add(T,["gdl","gew","evg","dgb","igm","dbb","gdp","ngg"],match="word",case="upper",sugg=S_TU)
add(T,["ver di","ig metall","ig bce","ig bau","marburger bund","vereinigung cockpit","deutscher gewerkschaftsbund","gewerkschaft","gewerkschaftsmitglied","gewerkschaftsbeitrag","gewerkschafter","trade union","labour union","labor union","union member","union membership","union dues","union rep","shop steward","teamsters","unite the union","unison","vertrauensmann","vertrauensfrau","vertrauensleute","gewerkschaftlich"],match="prefix",sugg=S_TU)
add(T,["unite","unison","gmb","rmt","usdaw","ucu","nasuwt","seiu","uaw","teamsters union"],match="word",strength="context",near=["member","rep","branch","union","steward","dues","membership","strike"])
add(T,["streik","streike","streikt","streiken","warnstreik","strike","striking","on strike","picket","streikposten","arbeitskampf"],match="word",strength="context",near=["ich","bin","wir","kunde","kundin","i","we","i m","mit","dabei","teil","took part","join","verdi","gdl","gew","evg","metall","union","gewerkschaft","aktiv"],unless=["bahnstreik","wegen streik","wegen des streiks","wegen eines streiks","because of the strike","due to the strike","affected","betroffen","fallen aus","faellt aus","cancelled"],sugg=S_TU)
add(T,["bahnstreik","pilotenstreik","fluglotsenstreik","tarifvertrag","tarifverhandlung"],match="prefix",neutral=True)
# ---------------- sex_life ----------------
X="sex_life"
S_SEX={"de":"Bitte Namen und Anrede ändern bzw. den Ehepartner ergänzen; Nachweis anbei.","en":"Please update the name and title or add my spouse; proof attached."}
add(X,["schwul","lesbisch","lesbe","bisexuell","homosexuell","heterosexuell","queer","gay","lesbian","bisexual","homosexual","gleichgeschlechtlich","same sex","same-sex","transgender","transsexuell","transident","transfrau","transmann","trans frau","trans mann","non binary","nicht binaer","nichtbinaer","intersex","sexuelle orientierung","sexual orientation","sexualleben","sex life","geschlechtsangleich","gender reassign","geschlechtsumwandlung","coming out","geoutet"],match="prefix",block=["gayfield"],sugg=S_SEX)
add(X,["trans"],match="word",strength="context",near=["bin","ist","i m","am","is","als","as","person","frau","mann","woman","man"],sugg=S_SEX)
add(X,["verhuetung","verhuetungsmittel","pille danach","contracept","kondom","condom","spirale","iud","sterilisation","vasektom","vasectom","potenz","erektil","erectile","viagra"],match="prefix",strength="anchored",sugg=S_SEX)
add([X,H],["pille"],match="word",strength="context",near=["verhuet","frauenarzt","frauenaerzt","gynaekolog","verschrieben","rezept","antibaby","erstattet","contracept"])
add([X,H],["the pill","antibabypille","anti baby pille"],match="phrase")
# same-sex spouse patterns (genders made clear)
for p in ["sein ehemann","seinem ehemann","seinen ehemann","seines ehemanns","sein mann","seinem mann","seinen mann","seinem lebensgefaehrten","seinen lebensgefaehrten","sein lebensgefaehrte","seinem freund und","his husband","his boyfriend",
          "ihre ehefrau","ihrer ehefrau","ihre frau","ihrer frau","ihre lebensgefaehrtin","ihrer lebensgefaehrtin","ihre partnerin","ihrer partnerin","her wife","her girlfriend",
          "herr und herr","mr and mr","mrs and mrs","frau und frau","zwei vaeter","zwei muetter","two dads","two mums","two moms","meine frau und ich sind","mein mann und ich sind beide"]:
    add(X,p,match="phrase",sugg=S_SEX)
add(X,["spouse is mr","husband is mr","husband mr","wife is mrs","wife is ms","wife mrs","partner is mr","spouse mr"],match="phrase",strength="context",near=["mr","herr"],sugg=S_SEX)

doc={"format":"postbox-lexicon/1","version":"2026-11-22.1","language":"de+en",
     "description":"Special categories of personal data (GDPR Art. 9) in German and English ticket text. Patterns are written in plain spelling; the classifier folds them (lower case, ä→ae, ö→oe, ü→ue, ß→ss, doubled letters single, punctuation as one space). match: word = whole token(s); prefix = starts at a token start (inflections, compounds that start with it); infix = anywhere inside a token (compounds); phrase = whole tokens in sequence. strength: strong (default) fires alone; anchored needs a person (ich, Kunde, my, …) within 8 tokens and no hypothetical (falls, sollte, if …); context needs one of near within 8 tokens. unless cancels within 8 tokens; blockTokens cancels when the token starts with one of them; neutral entries mask what they cover (idioms, products, places).",
     "defaultSuggestions":{
        "health":{"de":"Nennen Sie den Bedarf statt des Grundes (z. B. „Bitte laut und deutlich klingeln“); medizinische Unterlagen bitte über den Dokumenten-Upload.","en":"State the need rather than its reason (e.g. 'please ring loudly and clearly'); send medical documents through the document upload."},
        "ethnic_origin":{"de":"Bitte nur den praktischen Bedarf nennen (z. B. „Beratung bitte mit Dolmetscher“).","en":"Please state only the practical need (e.g. 'please arrange an interpreter')."},
        "political_opinion":S_POL,"religious_belief":S_REL,"trade_union":S_TU,"sex_life":S_SEX,"genetic":S_GEN,"biometric":S_BIO},
     "anchors":["gentest","dna test","genetic test","befund","ich","mein","meine","meinem","meinen","meiner","meines","mir","mich","wir","unser","unsere","unserem","unseren","unserer","kunde","kunden","kundin","kd","kdn","vn","versicherungsnehmer","versicherungsnehmerin","versicherte","versicherter","fahrer","fahrerin","beifahrer","beifahrerin","mutter","vater","sohn","tochter","ehemann","ehefrau","mann","frau","bruder","schwester","oma","opa","kind","baby","herr","herrn","er","sie","ihm","ihn","sein","seine","seinem","seinen","seiner","ihre","ihrem","ihren","ihrer","bin","i","i m","im","my","me","we","our","customer","client","driver","he","she","his","her","him","husband","wife","son","daughter","mother","father","brother","sister","child","mr","mrs","ms","insured","policyholder","patient"],
     "coverageWords":["zahlt","zahlen","erstattet","erstatten","uebernimmt","uebernehmen","abgedeckt","deckt","leistet","versichert","mitversichert","tarif","police","cover","covers","covered","pay","pays","reimburse","reimbursed","policy","plan","insurance","claim"],
     "subjects":["ich","wir","bin","habe","hab","hatte","war","leide","kunde","kundin","kd","vn","er","sie","i","i m","i ve","we","he","she","sohn","tochter","mann","frau","ehemann","ehefrau","kind","mutter","vater","son","daughter","husband","wife","child","mother","father","mum","mom","dad","baby","diagnosed","diagnostiziert","mir","mich","me","anbei","hochgeladen","attached","uploaded","rechnung","invoice","beleg","receipt","kostenplan","verschrieben","verordnet","prescribed","referred","ueberwiesen","nach der","nach meiner","after my","seit","since"],
     "hypotheticals":["falls","sollte","sollten","wuerde","wuerden","angenommen","hypothetisch","interessehalber","theoretisch","if i ever","in case","would","should i","should we","were to"],
     "entries":E}
import os, sys
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'Sources', 'Postbox', 'Resources', 'special-categories.lexicon.json')
json.dump(doc, open(out, 'w'), ensure_ascii=False, indent=1)
print(len(E))
