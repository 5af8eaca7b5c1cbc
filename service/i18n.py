"""User-facing messages in Norwegian bokmål (default) and English.

Code raises errors with a message *key* and parameters; text is rendered at the edge (CLI, API)
in the user's language. Parameters never carry transcript text or personal data.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["nb", "en"]

MESSAGES: dict[str, dict[Lang, str]] = {
    "audio.empty": {
        "nb": "Filen er tom.",
        "en": "The file is empty.",
    },
    "audio.not_audio": {
        "nb": "Filen kunne ikke leses som et lydopptak (ukjent eller skadet format).",
        "en": "The file could not be read as an audio recording (unknown or damaged format).",
    },
    "audio.no_audio_stream": {
        "nb": "Filen inneholder ikke noe lydspor.",
        "en": "The file contains no audio track.",
    },
    "audio.truncated": {
        "nb": "Opptaket ser ut til å være avkuttet eller skadet: {decoded} av {expected} kunne "
        "leses. Kopier filen på nytt fra opptakeren.",
        "en": "The recording seems truncated or damaged: {decoded} of {expected} could be read. "
        "Copy the file from the recorder again.",
    },
    "audio.incomplete": {
        "nb": "Opptaksfilen er ufullstendig (typisk når opptaket ble avbrutt eller kopieringen "
        "ikke ble ferdig). Kopier filen på nytt fra opptakeren.",
        "en": "The recording file is incomplete (typically when recording was interrupted or a "
        "copy did not finish). Copy the file from the recorder again.",
    },
    "audio.unsupported_codec": {
        "nb": "Lydformatet «{codec}» kan ikke dekodes av ffmpeg på denne maskinen.",
        "en": "The audio format '{codec}' cannot be decoded by ffmpeg on this machine.",
    },
    "audio.ffmpeg_missing": {
        "nb": "ffmpeg er ikke installert. Kjør `make setup` eller installer pakken ffmpeg.",
        "en": "ffmpeg is not installed. Run `make setup` or install the ffmpeg package.",
    },
    "audio.too_short": {
        "nb": "Opptaket er for kort ({duration}).",
        "en": "The recording is too short ({duration}).",
    },
    "model.not_found": {
        "nb": "Fant ingen talegjenkjenningsmodell «{name}». Installerte modeller vises med "
        "`intervju models list`; en bedre norsk modell hentes med "
        "`intervju models pull nb-whisper-small` (krever internett én gang).",
        "en": "No speech recognition model '{name}' was found. `intervju models list` shows the "
        "installed models; fetch a better Norwegian model with "
        "`intervju models pull nb-whisper-small` (needs internet once).",
    },
    "model.bundled_broken": {
        "nb": "Den medfølgende Whisper-modellen er skadet eller mangler ({reason}). Kjør "
        "`make setup` på nytt.",
        "en": "The bundled Whisper model is damaged or missing ({reason}). Run `make setup` again.",
    },
    "model.unknown_pull": {
        "nb": "Ukjent modell «{name}». Kan hentes: {choices}.",
        "en": "Unknown model '{name}'. Available to pull: {choices}.",
    },
    "model.pull_failed": {
        "nb": "Kunne ikke hente modellen «{name}»: {reason}",
        "en": "Could not fetch the model '{name}': {reason}",
    },
    "model.pull_gated": {
        "nb": "Modellen «{name}» er lukket: godta lisensvilkårene på https://huggingface.co/{repo} "
        "med en Hugging Face-konto, lag en lesenøkkel (https://huggingface.co/settings/tokens) og "
        "kjør på nytt med --token NØKKEL eller HF_TOKEN=NØKKEL.",
        "en": "The model '{name}' is gated: accept its licence conditions at "
        "https://huggingface.co/{repo} with a Hugging Face account, create a read token "
        "(https://huggingface.co/settings/tokens) and run again with --token TOKEN or "
        "HF_TOKEN=TOKEN.",
    },
    "diarization.speakers_out_of_range": {
        "nb": "Antall talere må være mellom 1 og {limit}.",
        "en": "The number of speakers must be between 1 and {limit}.",
    },
    "diarization.speakers_inconsistent": {
        "nb": "Antall talere stemmer ikke med minste og største antall.",
        "en": "The number of speakers does not fit the minimum and maximum.",
    },
    "diarization.unknown_backend": {
        "nb": "Ukjent metode for talergjenkjenning «{name}». Kjente: {known}.",
        "en": "Unknown diarisation backend '{name}'. Known: {known}.",
    },
    "diarization.backend_missing": {
        "nb": "Talergjenkjenning med {name} er ikke installert. Installer med: {hint}",
        "en": "Diarisation with {name} is not installed. Install it with: {hint}",
    },
    "diarization.pipeline_missing": {
        "nb": "Fant ingen pyannote-modell i {path}. Hent den med «intervju models pull "
        "pyannote-community-1» eller pek på en mappe med INTERVJU_DIARIZATION__PYANNOTE_DIR.",
        "en": "No pyannote pipeline found in {path}. Fetch it with 'intervju models pull "
        "pyannote-community-1' or point INTERVJU_DIARIZATION__PYANNOTE_DIR to a directory.",
    },
    "diarization.cuda_missing": {
        "nb": "INTERVJU_DIARIZATION__DEVICE er «cuda», men torch finner ingen GPU. Bruk «auto» "
        "eller «cpu», eller installer en torch med CUDA.",
        "en": "INTERVJU_DIARIZATION__DEVICE is 'cuda', but torch finds no GPU. Use 'auto' or "
        "'cpu', or install a torch build with CUDA.",
    },
    "anonymization.unavailable": {
        "nb": "Anonymisering er ikke mulig på denne maskinen: {reason}. Kjør `make setup` på "
        "nytt, eller sjekk INTERVJU_ANONYMIZATION__MODEL.",
        "en": "Anonymisation is not possible on this machine: {reason}. Run `make setup` again, "
        "or check INTERVJU_ANONYMIZATION__MODEL.",
    },
    "upload.too_large": {
        "nb": "Filen er større enn grensen på {limit_mb} MiB.",
        "en": "The file is larger than the limit of {limit_mb} MiB.",
    },
    "upload.too_many": {
        "nb": "Tjenesten tar allerede imot {limit} opplastinger. Prøv igjen om litt.",
        "en": "The service is already receiving {limit} uploads. Try again in a moment.",
    },
    "upload.informant_codes_exhausted": {
        "nb": "Prosjektet har ingen ledig automatisk informantkode igjen (S-nummeret blir for "
        "langt). Oppgi en kode selv.",
        "en": "The project has no free automatic informant code left (the S number would be too "
        "long). Give a code yourself.",
    },
    "upload.informant_code_taken": {
        "nb": "Prosjektet har allerede en informant med koden «{code}». Velg en annen kode, "
        "eller la feltet stå tomt for neste ledige.",
        "en": "The project already has an informant with the code '{code}'. Choose another "
        "code, or leave the field empty for the next free one.",
    },
    "upload.no_file": {
        "nb": "Ingen fil ble lastet opp.",
        "en": "No file was uploaded.",
    },
    "job.not_found": {
        "nb": "Fant ikke jobben.",
        "en": "Job not found.",
    },
    "job.not_ready": {
        "nb": "Transkripsjonen er ikke ferdig ennå (status: {status}).",
        "en": "The transcript is not ready yet (status: {status}).",
    },
    "job.not_in_review": {
        "nb": "Jobben er ikke til gjennomgang (status: {status}).",
        "en": "The job is not in review (status: {status}).",
    },
    "job.purge_required": {
        "nb": "Sletting fjerner opptak, transkripsjoner og navn for godt. Bekreft med purge=true.",
        "en": "Deleting removes the recording, transcripts and names for good. Confirm with "
        "purge=true.",
    },
    "receipt.not_found": {
        "nb": "Ingenting av jobben er slettet ennå, så det finnes ingen kvittering.",
        "en": "Nothing of the job has been deleted yet, so there is no receipt.",
    },
    "media.audio_deleted": {
        "nb": "Opptaket er slettet og kan ikke spilles av (status: {status}).",
        "en": "The recording has been deleted and cannot be played (status: {status}).",
    },
    "web.not_found": {
        "nb": "Fant ikke siden.",
        "en": "Page not found.",
    },
    "events.too_many_streams": {
        "nb": "Du har allerede {limit} åpne hendelsesstrømmer. Lukk en (eller en fane) og prøv "
        "igjen.",
        "en": "You already have {limit} open event streams. Close one (or a tab) and try again.",
    },
    "media.bad_range": {
        "nb": "Den forespurte delen ligger utenfor opptaket.",
        "en": "The requested range lies outside the recording.",
    },
    "verify.checksum_mismatch": {
        "nb": "Den lagrede transkripsjonen kunne ikke leses tilbake uendret. Opptaket er "
        "ikke slettet.",
        "en": "The stored transcript could not be read back unchanged. The recording was not "
        "deleted.",
    },
    "job.interrupted": {
        "nb": "Jobben ble avbrutt og startes på nytt.",
        "en": "The job was interrupted and will be restarted.",
    },
    "job.internal": {
        "nb": "En uventet feil stoppet jobben ({kind}). Se tjenestens logg.",
        "en": "An unexpected error stopped the job ({kind}). See the service log.",
    },
    "export.unknown_format": {
        "nb": "Ukjent format «{name}». Tilgjengelige formater: {choices}.",
        "en": "Unknown format '{name}'. Available formats: {choices}.",
    },
    "export.binary_needs_out": {
        "nb": "Formatet «{name}» er en binærfil og skrives ikke til terminalen. Oppgi en mappe "
        "med --out.",
        "en": "The format '{name}' is a binary file and is not written to the terminal. Give a "
        "folder with --out.",
    },
    "export.codebook_needs_qdpx": {
        "nb": "En kodebok (--codebook) kan bare tas med i formatet qdpx.",
        "en": "A codebook (--codebook) can only be included in the qdpx format.",
    },
    "export.bad_codebook": {
        "nb": "Kodeboken kunne ikke leses som en REFI-QDA-kodebok (.qdc): {reason}.",
        "en": "The codebook could not be read as a REFI-QDA codebook (.qdc): {reason}.",
    },
    "export.label.title": {"nb": "Transkripsjon", "en": "Transcript"},
    "export.label.project": {"nb": "Prosjekt", "en": "Project"},
    "export.label.informant": {"nb": "Informant", "en": "Informant"},
    "export.label.exported": {"nb": "Eksportert", "en": "Exported"},
    "export.label.anonymised": {
        "nb": "Anonymisert: navn og andre personopplysninger er erstattet med merker som "
        "[navn 1].",
        "en": "Anonymised: names and other personal data are replaced by tags such as [navn 1].",
    },
    "export.label.pause": {"nb": "(pause, {seconds} s)", "en": "(pause, {seconds} s)"},
    "export.label.inaudible": {"nb": "(uhørbart, {seconds} s)", "en": "(inaudible, {seconds} s)"},
    "export.label.originals": {
        "nb": "Anonymiseringsnøkkel – bare for gjennomgang, slettes når transkripsjonen godkjennes",
        "en": "Redaction key – for review only, deleted when the transcript is verified",
    },
    "export.label.tag": {"nb": "Merke", "en": "Tag"},
    "export.label.original": {"nb": "Opprinnelig", "en": "Original"},
    "export.label.speakers": {"nb": "Talere", "en": "Speakers"},
    "export.label.role": {"nb": "Rolle", "en": "Role"},
    "export.label.interview": {"nb": "Intervju", "en": "Interview"},
    "export.role.interviewer": {"nb": "Intervjuer", "en": "Interviewer"},
    "export.role.informant": {"nb": "Informant", "en": "Informant"},
    "auth.missing": {
        "nb": "Mangler tilgangsnøkkel (Authorization: Bearer …).",
        "en": "Missing access token (Authorization: Bearer …).",
    },
    "auth.invalid": {
        "nb": "Ugyldig eller tilbakekalt tilgangsnøkkel.",
        "en": "Invalid or revoked access token.",
    },
    "auth.unknown_token": {
        "nb": "Fant ingen aktiv tilgangsnøkkel med id eller navn «{token}».",
        "en": "No active access token with id or name '{token}'.",
    },
    "auth.name_taken": {
        "nb": "Det finnes allerede en aktiv tilgangsnøkkel som heter «{name}».",
        "en": "An active access token named '{name}' already exists.",
    },
    "auth.bad_name": {
        "nb": "Navnet på tilgangsnøkkelen må ha 1–{limit} tegn.",
        "en": "The access token's name must have 1–{limit} characters.",
    },
    "auth.bad_user": {
        "nb": "Brukernavnet må ha 1–{limit} tegn, uten kontrolltegn.",
        "en": "The user name must have 1–{limit} characters, without control characters.",
    },
    "project.not_found": {
        "nb": "Fant ikke prosjektet.",
        "en": "Project not found.",
    },
    "project.bad_name": {
        "nb": "Prosjektnavnet må ha 1–{limit} tegn, uten kontrolltegn.",
        "en": "The project name must have 1–{limit} characters, without control characters.",
    },
    "project.end_date_past": {
        "nb": "Sluttdatoen {end_date} er passert. Lyden i et prosjekt slettes etter sluttdatoen, "
        "så den må være i dag eller senere.",
        "en": "The end date {end_date} has passed. A project's audio is deleted after its end "
        "date, so it must be today or later.",
    },
    "project.owner_forbidden": {
        "nb": "Bare en administrator kan lage prosjekter for en annen bruker.",
        "en": "Only an administrator can create projects for another user.",
    },
    "webhook.not_found": {
        "nb": "Fant ikke webhooken.",
        "en": "Webhook not found.",
    },
    "webhook.too_many": {
        "nb": "Du har allerede {limit} webhooker. Slett en før du registrerer en ny.",
        "en": "You already have {limit} webhooks. Delete one before registering another.",
    },
    "webhook.bad_url": {
        "nb": "Webhook-adressen må være en http- eller https-URL uten brukernavn, passord eller "
        "#-del, på høyst 2000 tegn, bare ASCII (prosentkod andre tegn, maskinnavn i punycode).",
        "en": "The webhook address must be an http or https URL without user name, password or "
        "#fragment, of at most 2000 characters, ASCII only (percent-encode other characters, "
        "host names in punycode).",
    },
    "webhook.unresolvable": {
        "nb": "Fant ikke maskinen «{host}».",
        "en": "The host '{host}' could not be found.",
    },
    "webhook.public_address": {
        "nb": "«{host}» er en offentlig adresse. Webhooker sendes bare til denne maskinen og "
        "private nett, med mindre INTERVJU_WEBHOOKS__ALLOW_PUBLIC=true.",
        "en": "'{host}' is a public address. Webhooks are sent only to this machine and private "
        "networks unless INTERVJU_WEBHOOKS__ALLOW_PUBLIC=true.",
    },
    "job.too_many_attempts": {
        "nb": "Jobben ble avbrutt {attempts} ganger under behandling og er stoppet. Opptaket kan "
        "være skadet eller for stort for maskinen; slett jobben og prøv en annen fil.",
        "en": "The job was interrupted {attempts} times while running and has been stopped. The "
        "recording may be damaged or too large for this machine; delete the job and try another "
        "file.",
    },
    "upload.not_multipart": {
        "nb": "Opptaket må lastes opp som multipart/form-data med feltet «file».",
        "en": "The recording must be uploaded as multipart/form-data with the field 'file'.",
    },
    "upload.malformed": {
        "nb": "Opplastingen kunne ikke leses (ugyldig eller avbrutt multipart-innhold).",
        "en": "The upload could not be read (invalid or interrupted multipart content).",
    },
    "upload.bad_field": {
        "nb": "Skjemafeltet «{field}» er for langt.",
        "en": "The form field '{field}' is too long.",
    },
    "upload.bad_language": {
        "nb": "Ugyldig språk. Gyldige verdier: no (bokmål), nn (nynorsk).",
        "en": "Invalid language. Valid values: no (bokmål), nn (nynorsk).",
    },
    "upload.bad_model": {
        "nb": "Ugyldig modellnavn. Oppgi navnet på en installert modell (bokstaver, tall, . _ -).",
        "en": "Invalid model name. Give the name of an installed model (letters, digits, . _ -).",
    },
    "service.already_running": {
        "nb": "En annen intervju-tjeneste bruker allerede datamappen {data_dir}.",
        "en": "Another intervju service is already using the data directory {data_dir}.",
    },
    "options.bad_count": {
        "nb": "«{field}» må være et helt tall fra 1 til {limit}.",
        "en": "'{field}' must be a whole number from 1 to {limit}.",
    },
    "options.bad_flag": {
        "nb": "«{field}» må være true eller false.",
        "en": "'{field}' must be true or false.",
    },
    "options.bad_speaker_id": {
        "nb": "Ugyldig taler-id. Bruk id-en fra transkripsjonen, for eksempel SPEAKER_01.",
        "en": "Invalid speaker id. Use the id from the transcript, for example SPEAKER_01.",
    },
    "options.bad_names": {
        "nb": "Talernavn må gis som et JSON-objekt fra rolle eller taler-id til navn, for "
        'eksempel {{"Informant": "Kari"}}: høyst {count} navn på høyst {length} tegn, uten '
        "kontrolltegn.",
        "en": "Speaker names must be a JSON object from role or speaker id to name, for "
        'example {{"Informant": "Kari"}}: at most {count} names of at most {length} '
        "characters, without control characters.",
    },
    "speakers.unknown_speaker": {
        "nb": "Transkripsjonen har ikke en slik taler. Talerne er: {known}.",
        "en": "The transcript has no such speaker. The speakers are: {known}.",
    },
    "speakers.not_diarized": {
        "nb": "Transkripsjonen har ingen talere (talergjenkjenning var slått av for jobben).",
        "en": "The transcript has no speakers (diarisation was off for the job).",
    },
    "request.invalid": {
        "nb": "Ugyldig verdi i forespørselen: «{field}».",
        "en": "Invalid value in the request: '{field}'.",
    },
    "cli.out_required": {
        "nb": "Flere filer krever --out MAPPE (én resultatfil per opptak).",
        "en": "Several files need --out DIR (one result file per recording).",
    },
    "cli.not_utf8": {
        "nb": "Teksten er ikke UTF-8.",
        "en": "The text is not UTF-8.",
    },
    "cli.bad_rename": {
        "nb": "«{value}» må skrives NAVN=NYTT, for eksempel Informant=Kari.",
        "en": "'{value}' must be written NAME=NEW, for example Informant=Kari.",
    },
    "batch.auto_verify_warning": {
        "nb": "ADVARSEL: --auto-verify sletter hvert lydopptak så snart transkripsjonen er "
        "skrevet og lest tilbake, UTEN at noen har lest den. Automatisk anonymisering overser "
        "ting, og et slettet opptak kan ikke hentes tilbake. Hver sletting får en kvittering i "
        "revisjonsloggen.",
        "en": "WARNING: --auto-verify deletes each recording as soon as its transcript has been "
        "written and read back, WITHOUT anyone reading it. Automatic anonymisation misses "
        "things, and a deleted recording cannot be recovered. Every deletion gets a receipt in "
        "the audit log.",
    },
    "batch.auto_verify_confirm": {
        "nb": "Slette opptakene uten gjennomlesing?",
        "en": "Delete the recordings without review?",
    },
    "batch.interrupted": {
        "nb": "Avbrutt. Det som ble ferdig, er lagret; kjør samme kommando igjen for å "
        "fortsette.",
        "en": "Interrupted. What was finished is saved; run the same command again to go on.",
    },
    "batch.locked": {
        "nb": "En annen kjøring av intervju batch bruker allerede {out}.",
        "en": "Another run of intervju batch is already using {out}.",
    },
    "batch.bad_state": {
        "nb": "Tilstandsfilen i {out} kan ikke leses (intervju-batch.json).",
        "en": "The state file in {out} cannot be read (intervju-batch.json).",
    },
    "batch.unreadable": {
        "nb": "Filen kunne ikke leses (flyttet, slettet eller uten lesetilgang).",
        "en": "The file could not be read (moved, deleted or not readable).",
    },
    "batch.changed": {
        "nb": "Filen ble endret mens den ble behandlet (ble den fortsatt kopiert?). Kjør "
        "kommandoen på nytt når filen er ferdig kopiert.",
        "en": "The file changed while it was processed (was it still being copied?). Run the "
        "command again once the file is copied.",
    },
    "batch.out_holds_folder": {
        "nb": "Resultatmappen kan ikke være mappen med opptakene eller ligge over den.",
        "en": "The output folder cannot be the recordings folder or lie above it.",
    },
    "batch.no_recordings": {
        "nb": "Fant ingen lydopptak i {folder}.",
        "en": "No recordings were found in {folder}.",
    },
    "review.version_conflict": {
        "nb": "Transkripsjonen er endret i mellomtiden: endringen gjaldt versjon {base}, men "
        "siste versjon er {latest}. Hent den siste versjonen og gjør endringen på nytt.",
        "en": "The transcript has changed meanwhile: the change was made to version {base}, but "
        "the latest version is {latest}. Fetch the latest version and make the change again.",
    },
    "review.unknown_version": {
        "nb": "Transkripsjonen har ingen versjon {version}.",
        "en": "The transcript has no version {version}.",
    },
    "review.unknown_redaction": {
        "nb": "Transkripsjonen har ingen anonymisering nummer {index} (den har {count}).",
        "en": "The transcript has no redaction number {index} (it has {count}).",
    },
    "review.unknown_segment": {
        "nb": "Transkripsjonen har ikke noe segment {segment}.",
        "en": "The transcript has no segment {segment}.",
    },
    "review.unknown_label": {
        "nb": "Ukjent type «{label}». Gyldige typer: {known}.",
        "en": "Unknown label '{label}'. Valid labels: {known}.",
    },
    "review.originals_deleted": {
        "nb": "Det som ble anonymisert, er slettet (transkripsjonen er godkjent), så dette kan "
        "ikke lenger endres.",
        "en": "What was redacted has been deleted (the transcript is verified), so this can no "
        "longer be changed.",
    },
    "review.bad_range": {
        "nb": "Utvalget {start}–{end} passer ikke i segmentets tekst ({length} tegn), eller det "
        "begynner eller slutter med mellomrom.",
        "en": "The selection {start}–{end} does not fit the segment's text ({length} "
        "characters), or it starts or ends with a space.",
    },
    "review.cuts_word": {
        "nb": "Utvalget deler et ord: velg hele ord.",
        "en": "The selection cuts a word: select whole words.",
    },
    "review.overlaps_tag": {
        "nb": "Utvalget overlapper en anonymisering som allerede står der.",
        "en": "The selection overlaps a redaction that is already there.",
    },
    "review.text_out_of_sync": {
        "nb": "Teksten i segment {segment} stemmer ikke med ordene. Lagre segmentets tekst på "
        "nytt først.",
        "en": "The text of segment {segment} does not match its words. Save the segment's text "
        "again first.",
    },
    "review.tag_removed": {
        "nb": "Merket {tag} mangler i den nye teksten. Et merke fjernes ved å avvise "
        "anonymiseringen, ikke ved å redigere teksten.",
        "en": "The tag {tag} is missing from the new text. A tag is removed by rejecting the "
        "redaction, not by editing the text.",
    },
    "review.tag_added": {
        "nb": "Den nye teksten har et merke eller en hakeparentes som ikke var der. "
        "Hakeparenteser er forbeholdt anonymiseringsmerker; legg til en anonymisering i stedet.",
        "en": "The new text has a tag or square bracket that was not there. Square brackets are "
        "reserved for redaction tags; add a redaction instead.",
    },
    "review.bad_text": {
        "nb": "Teksten inneholder kontrolltegn.",
        "en": "The text contains control characters.",
    },
}


def message(key: str, lang: Lang = "nb", **params: object) -> str:
    """Render the message ``key`` in ``lang``; unknown keys render as the key itself."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    return entry[lang].format(**params)


def pick_language(accept_language: str | None, default: Lang = "nb") -> Lang:
    """Choose ``nb`` or ``en`` from an HTTP Accept-Language header."""
    if not accept_language:
        return default
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith(("nb", "no", "nn")):
            return "nb"
        if tag.startswith("en"):
            return "en"
    return default
