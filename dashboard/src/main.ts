import { mount } from 'svelte';
import './shared.css';
import './forms.css';
import App from './App.svelte';
import { lang, t } from './i18n/index';

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
document.title = t.pageTitle;

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');

export default mount(App, { target });
