// The patient handout, in English or Spanish, for one valve: handout.html?valve=aortic|mitral|pulmonary&lang=en|es.
//
// The English risks, aftercare, what-to-expect text and links are the cards' own, read from
// content/app-content.json (generated from the service's education wording and link table, and tested against
// them). The Spanish text says the same things in plain language; links go to the Spanish MedlinePlus page when
// the link table has one, otherwise to the English page, labelled as English.

import { $, el, safeUrl } from './dom.js';

const VALVES = ['aortic', 'mitral', 'pulmonary'];

const EN = {
  lang: 'en',
  other: { lang: 'es', label: 'Español' },
  title: (v) => `Balloon treatment for a narrow ${v} valve`,
  intro: 'Information for you and your family. Please read it before the procedure and keep it for afterwards.',
  valveName: { aortic: 'aortic', mitral: 'mitral', pulmonary: 'pulmonary' },
  whatIsHeading: (v) => `What is ${v} stenosis?`,
  whatIs: {
    aortic: 'The aortic valve is the door between the heart’s main pumping chamber and the main artery of the body. In aortic stenosis the valve is stiff and narrow, so the heart has to work harder to push blood through it. This can cause shortness of breath, chest pain, tiredness or fainting.',
    mitral: 'The mitral valve lets blood flow from the upper left chamber of the heart into the main pumping chamber. In mitral stenosis the valve flaps are stuck together and the opening is narrow, so blood backs up into the lungs. This can cause shortness of breath, tiredness, swelling and an irregular heartbeat.',
    pulmonary: 'The pulmonary valve lets blood flow from the right side of the heart to the lungs. In pulmonary valve stenosis the valve is narrow, so the right side of the heart has to work harder. This can cause shortness of breath, tiredness or, rarely, fainting.',
  },
  procedureHeading: 'What is the balloon procedure?',
  procedure: (name) => `A thin tube (a catheter) with a small balloon at its tip is guided through a blood vessel to the narrow valve. The balloon is blown up for a few seconds to stretch the valve open, and then taken out. There is no cut in the chest. Your doctors may call it ${name}.`,
  howHeading: 'How it is done',
  risksHeading: 'Possible risks',
  risksIntro: 'Most people have no serious problem, but you should know the risks:',
  aftercareHeading: 'After the procedure',
  callHeading: 'Not a permanent fix: when to call your cardiologist',
  emergency: 'Call 911 (or your local emergency number) for chest pain, fainting, sudden weakness or trouble speaking, or bleeding from the groin that does not stop with firm pressure.',
  linksHeading: 'To read more',
  moreInfo: 'More information',
  footer: 'This sheet supports, and does not replace, the conversation with your heart team. Ask them any question you have.',
  english: '',
};

const ES = {
  lang: 'es',
  other: { lang: 'en', label: 'English' },
  title: (v) => `Tratamiento con balón para una válvula ${v} estrecha`,
  intro: 'Información para usted y su familia. Léala antes del procedimiento y guárdela para después.',
  valveName: { aortic: 'aórtica', mitral: 'mitral', pulmonary: 'pulmonar' },
  whatIsHeading: (v) => `¿Qué es la estenosis ${v}?`,
  whatIs: {
    aortic: 'La válvula aórtica es la puerta entre la cavidad del corazón que bombea la sangre y la arteria principal del cuerpo. En la estenosis aórtica la válvula está dura y estrecha, y el corazón tiene que esforzarse más para empujar la sangre. Esto puede causar falta de aire, dolor en el pecho, cansancio o desmayos.',
    mitral: 'La válvula mitral deja pasar la sangre de la cavidad superior izquierda del corazón a la cavidad que la bombea. En la estenosis mitral las hojas de la válvula están pegadas y la abertura es estrecha, y la sangre se acumula en los pulmones. Esto puede causar falta de aire, cansancio, hinchazón y latidos irregulares.',
    pulmonary: 'La válvula pulmonar deja pasar la sangre del lado derecho del corazón a los pulmones. En la estenosis pulmonar la válvula es estrecha, y el lado derecho del corazón tiene que esforzarse más. Esto puede causar falta de aire, cansancio y, pocas veces, desmayos.',
  },
  procedureHeading: '¿Qué es el procedimiento con balón?',
  procedure: (name) => `Un tubo delgado (catéter) con un pequeño globo (balón) en la punta se lleva por un vaso sanguíneo hasta la válvula estrecha. El balón se infla unos segundos para abrir la válvula y después se retira. No se hace ningún corte en el pecho. Sus médicos pueden llamarlo ${name}.`,
  procedureName: {
    aortic: 'valvuloplastia aórtica con balón (BAV, por sus siglas en inglés)',
    mitral: 'comisurotomía mitral percutánea con balón (PMBC, por sus siglas en inglés)',
    pulmonary: 'valvuloplastia pulmonar con balón (BPV, por sus siglas en inglés)',
  },
  howHeading: 'Cómo se hace',
  how: {
    aortic: 'Se hace en el laboratorio de cateterismo, con un sedante suave y anestesia local: el catéter entra por un tubo corto (introductor) colocado en la arteria de la ingle, y el balón se infla dentro de la válvula aórtica mientras un marcapasos hace latir el corazón muy rápido durante unos segundos para mantenerlo quieto.',
    mitral: 'Se hace en el laboratorio de cateterismo, con un sedante suave y anestesia local: el catéter entra por un tubo corto (introductor) colocado en la vena de la ingle, pasa de la cavidad superior derecha del corazón a la izquierda por un pequeño orificio en la pared que las separa, y el balón se infla dentro de la válvula mitral.',
    pulmonary: 'Se hace en el laboratorio de cateterismo, con un sedante suave y anestesia local: el catéter entra por un tubo corto (introductor) colocado en la vena de la ingle, y el balón se infla dentro de la válvula pulmonar.',
  },
  stay: 'La mayoría de los pacientes se quedan en el hospital de 24 a 48 horas, caminan y vuelven a su actividad normal después del reposo en cama inicial, y pueden esperar que mejoren su respiración y su energía.',
  risksHeading: 'Posibles riesgos',
  risksIntro: 'La mayoría de las personas no tienen problemas graves, pero usted debe conocer los riesgos:',
  risks: {
    'risk-regurgitation': (v) => `Fuga de la válvula ${v} (insuficiencia ${v}) si el balón rompe o deforma una de sus hojas.`,
    'risk-embolism': () => 'Embolia: un coágulo o un pedacito de calcio puede viajar al cerebro o al corazón y causar un derrame cerebral (accidente cerebrovascular) o un ataque al corazón.',
    'risk-arrhythmia': () => 'Latidos irregulares del corazón (arritmia) durante o después del procedimiento; casi siempre duran poco.',
    'risk-bleeding': () => 'Sangrado, en el lugar por donde entró el catéter o dentro del cuerpo.',
    'risk-hematoma': () => 'Un hematoma (sangre acumulada bajo la piel) en la ingle, donde se colocó el introductor.',
    'risk-perforation': () => 'En raras ocasiones, una perforación de la pared del corazón con sangre acumulada a su alrededor (taponamiento cardíaco), que necesita drenaje o cirugía de urgencia.',
  },
  aftercareHeading: 'Después del procedimiento',
  care: {
    'care-lifting-restriction': () => 'No levante más de 10 libras (4.5 kg) durante unos días, mientras sana la ingle.',
    'care-return-precautions': (v, valve) => `El resultado no es permanente: si le falta el aire cada vez más, se le hinchan los pies o las piernas, o siente un cansancio fuera de lo común, llame a su cardiólogo; puede ser el momento de ${{
      aortic: 'reemplazar la válvula aórtica, por catéter (TAVR) o con cirugía',
      mitral: 'repetir el tratamiento con balón o de operar la válvula mitral',
      pulmonary: 'repetir el tratamiento con balón o de reemplazar la válvula pulmonar',
    }[valve]}.`,
  },
  callHeading: 'No es una solución permanente: cuándo llamar a su cardiólogo',
  emergency: 'Llame al 911 (o al número de emergencias de su país) si tiene dolor en el pecho, se desmaya, siente debilidad repentina o dificultad para hablar, o si la ingle sangra y no para al apretar con firmeza.',
  linksHeading: 'Para leer más',
  moreInfo: 'Más información',
  footer: 'Esta hoja acompaña, y no reemplaza, la conversación con su equipo del corazón. Pregúnteles cualquier duda.',
  english: ' (en inglés)',
};

function linkItem(link, text) {
  const url = safeUrl(link.url);
  return el('li', { 'data-testid': 'handout-link' },
    el('a', { href: url, hreflang: link.language }, link.label), text.english && link.language === 'en' ? text.english : '',
    el('br'), el('span', { className: 'link-url' }, url));
}

function itemWithLink(testid, code, wording, link, text) {
  return el('li', { 'data-testid': testid, 'data-code': code }, wording, ' ',
    el('a', { href: safeUrl(link.url), hreflang: link.language, className: 'item-link' }, `${text.moreInfo}${link.language === 'en' ? text.english : ''}`));
}

function render(education, valve, text) {
  const name = text.valveName[valve];
  const spanish = text.lang === 'es';
  const procedureName = spanish ? text.procedureName[valve] : education.procedure;
  const risk = (item) => (spanish ? text.risks[item.code](name, valve) : item.text);
  const care = (item) => (spanish ? text.care[item.code](name, valve) : item.text);
  const lifting = education.aftercare.filter((i) => i.code !== 'care-return-precautions');
  const call = education.aftercare.filter((i) => i.code === 'care-return-precautions');
  // Spanish pages of the link table replace their English twin (same valve and topic).
  const links = education.links.filter((l) => l.language === text.lang
    || (l.language === 'en' && !education.links.some((o) => o.language === text.lang && o.id === `${l.id}-${text.lang}`)));

  document.documentElement.lang = text.lang;
  document.title = text.title(name);
  $('handout').replaceChildren(
    el('h1', { 'data-testid': 'handout-title' }, text.title(name)),
    el('p', {}, text.intro),
    el('h2', {}, text.whatIsHeading(name)),
    el('p', {}, text.whatIs[valve]),
    el('h2', {}, text.procedureHeading),
    el('p', {}, text.procedure(procedureName)),
    el('h2', {}, text.howHeading),
    el('p', { 'data-testid': 'handout-how' }, spanish ? `${text.how[valve]} ${text.stay}` : education.whatToExpect),
    el('h2', {}, text.risksHeading),
    el('p', {}, text.risksIntro),
    el('ul', { 'data-testid': 'handout-risks' }, education.risks.map((item) => itemWithLink('handout-risk', item.code, risk(item), item.link, text))),
    el('h2', {}, text.aftercareHeading),
    el('ul', { 'data-testid': 'handout-aftercare' }, lifting.map((item) => itemWithLink('handout-care', item.code, care(item), item.link, text))),
    el('h2', {}, text.callHeading),
    el('ul', { 'data-testid': 'handout-call' }, call.map((item) => itemWithLink('handout-care', item.code, care(item), item.link, text))),
    el('p', { 'data-testid': 'handout-emergency' }, text.emergency),
    el('h2', {}, text.linksHeading),
    el('ul', { 'data-testid': 'handout-links' }, links.map((link) => linkItem(link, text))),
    el('p', { className: 'notice' }, text.footer));

  const other = new URL(location.href);
  other.searchParams.set('lang', text.other.lang);
  $('other-language').href = other.href;
  $('other-language').textContent = text.other.label;
  $('other-language').lang = text.other.lang;
}

async function start() {
  $('print').addEventListener('click', () => window.print());
  const parameters = new URLSearchParams(location.search);
  const valve = parameters.get('valve');
  const text = parameters.get('lang') === 'es' ? ES : EN;
  if (!VALVES.includes(valve)) {
    $('handout-error').textContent = 'Choose a valve: handout.html?valve=aortic, mitral or pulmonary (and &lang=es for Spanish).';
    $('handout-error').hidden = false;
    document.body.dataset.state = 'error';
    return;
  }
  try {
    const response = await fetch('content/app-content.json');
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    render((await response.json()).education[valve], valve, text);
    document.body.dataset.state = 'ready';
  } catch (error) {
    $('handout-error').textContent = `The handout could not be loaded: ${error.message}`;
    $('handout-error').hidden = false;
    document.body.dataset.state = 'error';
  }
}

start();
